// Every invariant of one trial, read from the platform itself once the operation closed
// (and the harness brought back the Redis nodes it killed).
import type { Client } from '@temporalio/client';
import type { Writer, WritableProber } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import type { ListWriter } from '../../testkit/redis-writer';
import { backgroundAlive, backgroundState } from './background';
import {
  countWithinBounds,
  instanceProcesses,
  noOrphanOrDuplicate,
  upstreamAliveAndReady,
  type InstanceBounds,
  type InstanceCountSampler,
} from './invariants/instances';
import { exactlyOnePrimary, neverTwoWritable, noAcknowledgedRowLost } from './invariants/postgres';
import { noAcknowledgedRedisWriteLost, slotsCoveredNoneOpen, type MasterCrash } from './invariants/redis';
import { rolledBack, type PlatformBefore } from './invariants/rolled-back';
import { broken, eventually, type InvariantResult } from './invariants/types';
import { completedOrFailedClearly } from './invariants/workflow-outcome';
import type { OpenLoopTraffic, TrafficResult } from './traffic';
import { attributeTraffic, readFailureLog, trafficExplained } from './traffic-attribution';
import type { OperationSpec } from './operations';
import type { FaultRecord, TrialReport } from './report';

export interface TrialProbes {
  pgWriter: Writer;
  prober: WritableProber;
  sampler: InstanceCountSampler;
  redisWriter: ListWriter;
  /** The open-loop traffic through the load balancer, stopped before the checks. */
  traffic: OpenLoopTraffic;
}

export interface TrialChecks {
  invariants: InvariantResult[];
  redisLostAcrossFailover: { count: number; examples: string[] };
  background: Record<string, string>;
  traffic: TrafficResult;
}

/** The Redis masters the trial killed, with the moment and the slots they served. */
function masterCrashes(faults: FaultRecord[], opStart: number): MasterCrash[] {
  return faults
    .filter((f) => f.kind === 'redis-kill' && f.struck && (f.redisSlots?.length ?? 0) > 0)
    .map((f) => ({ atMs: opStart + f.atMs, slots: f.redisSlots ?? [] }));
}

export async function checkInvariants(
  client: Client,
  spec: OperationSpec,
  outcome: TrialReport['outcome'],
  probes: TrialProbes,
  before: PlatformBefore,
  bounds: InstanceBounds,
  faults: { records: FaultRecord[]; opStart: number },
): Promise<TrialChecks> {
  const invariants: InvariantResult[] = [];
  invariants.push(completedOrFailedClearly({ ...outcome, unreachablePolls: 0 }));
  const log = readFailureLog(undefined, probes.traffic.options.idPrefix);
  const traffic = attributeTraffic(probes.traffic.requests, log, faults.records, faults.opStart, probes.traffic.reloads.reloads);
  invariants.push(trafficExplained(traffic));
  invariants.push(probes.sampler.result(bounds, spec.duringUpdate));
  invariants.push(await eventually(() => noOrphanOrDuplicate(SERVICE), 20_000));
  invariants.push(countWithinBounds(new Set((await instanceProcesses(SERVICE)).map((p) => p.name)).size, bounds, false));
  invariants.push(await eventually(() => upstreamAliveAndReady(SERVICE), 30_000));
  invariants.push(neverTwoWritable(probes.prober));
  // A killed server comes back through pgMonitor: a failover (primary) or a rejoin (standby).
  const pg = await exactlyOnePrimary(120_000);
  invariants.push(pg.result);
  invariants.push(
    await noAcknowledgedRowLost(probes.pgWriter, pg.primary).catch((e: Error) =>
      broken('no acknowledged PostgreSQL write lost', e.message),
    ),
  );
  invariants.push(
    await slotsCoveredNoneOpen(ports.redis[0], 30_000).catch((e: Error) => broken('all 16384 slots covered, none open', e.message)),
  );
  let redisLostAcrossFailover = { count: 0, examples: [] as string[] };
  try {
    const redis = await noAcknowledgedRedisWriteLost(probes.redisWriter, masterCrashes(faults.records, faults.opStart));
    invariants.push(redis.result);
    redisLostAcrossFailover = redis.lostAcrossFailover;
  } catch (e) {
    invariants.push(broken('no acknowledged Redis write lost', (e as Error).message));
  }
  if (outcome.status === 'FAILED') invariants.push(await rolledBack(spec.domain, before));
  const background = await backgroundState(client);
  invariants.push(backgroundAlive(background));
  return { invariants, redisLostAcrossFailover, background, traffic };
}
