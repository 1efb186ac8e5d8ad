// Input schemas of pgFailover, pgSwitchover and pgMonitor. Every rejection names the
// field and the rule, so the CLI user sees what to change.
import { z } from 'zod';
import { PG_CLUSTERS, PG_SERVER_NAMES, type ClusterObservation, lsnDiffBytes, writableServers } from './pg-cluster';
import { milliseconds, seconds, wholeNumber } from '../common/fields';
import { objectError, parseWith, type Parsed } from '../common/input';

/** Defaults; each can be overridden per run in the input. */
export const PG_HA_DEFAULTS = {
  /** Past this lag (bytes behind the last known primary position) a promotion waits for an operator. */
  maxLagBytes: 16 * 1024 * 1024,
  approvalTimeoutSeconds: 300,
  /** Detection: this many consecutive failed probes ... */
  failedProbes: 3,
  /** ... spread over at least this window ... */
  detectionWindowMs: 2_000,
  probeIntervalMs: 600,
  /** ... and a standby whose sender has been silent this long has lost the primary too. */
  receiverSilenceSeconds: 3,
  /** How long one monitor run keeps watching a suspect primary before it leaves the rest to the next run. */
  monitorMaxRunMs: 30_000,
  switchoverTimeoutSeconds: 60,
} as const;

const cluster = z
  .string({ error: 'cluster must be a string such as "main"' })
  .refine((c) => (PG_CLUSTERS as readonly string[]).includes(c), {
    message: `cluster must be one of: ${PG_CLUSTERS.join(', ')} (unknown cluster)`,
  });

const maxLagBytes = wholeNumber('maxLagBytes', ' of bytes', { min: 0 }).default(PG_HA_DEFAULTS.maxLagBytes);

const failoverSchema = z.strictObject(
  {
    cluster,
    maxLagBytes,
    approvalTimeoutSeconds: seconds('approvalTimeoutSeconds', { min: 1, max: 86_400 }).default(PG_HA_DEFAULTS.approvalTimeoutSeconds),
    /** Always wait for an operator's approval before promoting (a "manual failover" policy). */
    requireApproval: z.boolean({ error: 'requireApproval must be true or false' }).default(false),
    reason: z.string({ error: 'reason must be a string' }).max(200, 'reason must be at most 200 characters').default('requested'),
  },
  objectError('{"cluster":"main"}'),
);

const switchoverSchema = z.strictObject(
  {
    cluster,
    target: z
      .string({ error: 'target must be a server name such as "replica1"' })
      .refine((t) => (PG_SERVER_NAMES as readonly string[]).includes(t), {
        message: `target must be one of: ${PG_SERVER_NAMES.join(', ')} (unknown server)`,
      }),
    maxLagBytes,
    timeoutSeconds: seconds('timeoutSeconds', { min: 1, max: 3600 }).default(PG_HA_DEFAULTS.switchoverTimeoutSeconds),
  },
  objectError('{"cluster":"main","target":"replica1"}'),
);

// The millisecond fields keep zod's own message for a fraction.
const monitorSchema = z.strictObject(
  {
    cluster,
    failedProbes: wholeNumber('failedProbes', '', { min: 2, minNote: ' (one probe is a blip)', max: 100 }).default(
      PG_HA_DEFAULTS.failedProbes,
    ),
    detectionWindowMs: milliseconds('detectionWindowMs', { min: 0, max: 600_000 }).default(PG_HA_DEFAULTS.detectionWindowMs),
    probeIntervalMs: milliseconds('probeIntervalMs', { min: 100, max: 60_000 }).default(PG_HA_DEFAULTS.probeIntervalMs),
    receiverSilenceSeconds: seconds('receiverSilenceSeconds', { min: 0.5, max: 600 }).default(PG_HA_DEFAULTS.receiverSilenceSeconds),
    maxRunMs: milliseconds('maxRunMs', { min: 1_000, max: 600_000 }).default(PG_HA_DEFAULTS.monitorMaxRunMs),
    /** Start pgFailover on a confirmed failure (false: only report). */
    autoFailover: z.boolean({ error: 'autoFailover must be true or false' }).default(true),
  },
  objectError('{"cluster":"main"}'),
);

export type PgFailoverInput = z.output<typeof failoverSchema>;
export type PgSwitchoverInput = z.output<typeof switchoverSchema>;
export type PgMonitorInput = z.output<typeof monitorSchema>;

export const parsePgFailoverInput = (raw: unknown): Parsed<PgFailoverInput> => parseWith(failoverSchema, raw);
export const parsePgSwitchoverInput = (raw: unknown): Parsed<PgSwitchoverInput> => parseWith(switchoverSchema, raw);
export const parsePgMonitorInput = (raw: unknown): Parsed<PgMonitorInput> => parseWith(monitorSchema, raw);

export type SwitchoverCheck =
  | { ok: true; code: 'TargetReady'; primary: string; lagBytes: number }
  | {
      ok: false;
      code: 'TargetIsPrimary' | 'NoSinglePrimary' | 'TargetUnreachable' | 'TargetNotStreaming' | 'TargetNotCaughtUp';
      message: string;
    };

/**
 * Whether a switchover to `target` may start, from one observation. The target must be a
 * reachable standby streaming from the one writable server, within maxLagBytes of it.
 */
export function checkSwitchoverTarget(target: string, observation: ClusterObservation, maxLagBytes: number): SwitchoverCheck {
  const writable = writableServers(observation.servers);
  if (writable.length !== 1) {
    return {
      ok: false,
      code: 'NoSinglePrimary',
      message: `a switchover needs exactly one writable server; found ${writable.length} (${writable.map((w) => w.name).join(', ') || 'none'}); run pgFailover instead`,
    };
  }
  const primary = writable[0];
  if (primary.name === target)
    return {
      ok: false,
      code: 'TargetIsPrimary',
      message: `target ${target} is already the primary of cluster ${observation.cluster}; choose one of the replicas`,
    };
  const probe = observation.servers.find((s) => s.name === target);
  if (!probe || !probe.reachable)
    return {
      ok: false,
      code: 'TargetUnreachable',
      message: `target ${target} is not reachable (${probe?.error ?? 'no probe'}); start it first`,
    };
  const streamRow = (primary.replication ?? []).find((r) => r.applicationName === target);
  if (probe.inRecovery !== true || !streamRow || streamRow.state !== 'streaming') {
    return {
      ok: false,
      code: 'TargetNotStreaming',
      message: `target ${target} does not stream from the primary ${primary.name}; a switchover needs a streaming replica`,
    };
  }
  const held = probe.receiveLsn ?? probe.replayLsn ?? null;
  const lagBytes = primary.currentLsn && held ? Math.max(0, lsnDiffBytes(primary.currentLsn, held)) : Number.POSITIVE_INFINITY;
  if (lagBytes > maxLagBytes)
    return {
      ok: false,
      code: 'TargetNotCaughtUp',
      message: `target ${target} is ${lagBytes} bytes behind the primary, over maxLagBytes=${maxLagBytes}; wait for it to catch up or raise maxLagBytes`,
    };
  return { ok: true, code: 'TargetReady', primary: primary.name, lagBytes };
}
