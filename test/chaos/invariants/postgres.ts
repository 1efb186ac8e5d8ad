// PostgreSQL invariants, probed directly: never two writable servers during the trial,
// exactly one writable server with both replicas streaming in quorum after it, and no
// acknowledged write missing from the primary.
import { clusterHealth, type Writer, type WritableProber } from '../../../testkit/pg-cluster';
import { broken, eventually, held, type InvariantResult } from './types';

export function neverTwoWritable(prober: WritableProber): InvariantResult {
  const name = 'never more than one writable PostgreSQL server';
  const detail = `${prober.samples} probes, at most ${prober.maxWritable} writable at once`;
  if (prober.samples === 0) return broken(name, 'no probe taken');
  return prober.maxWritable <= 1 ? held(name, detail) : broken(name, `${detail}: ${prober.violations.slice(0, 3).join('; ')}`);
}

/** Exactly one writable server and the other two streaming from it in quorum, within `timeoutMs` (a rejoin may still be finishing). */
export async function exactlyOnePrimary(timeoutMs: number): Promise<{ result: InvariantResult; primary?: string }> {
  let primary: string | undefined;
  const result = await eventually(
    async () => {
      const health = await clusterHealth();
      primary = health.primary;
      return health.healthy
        ? held('exactly one writable PostgreSQL server, replicas in quorum', health.detail)
        : broken('exactly one writable PostgreSQL server, replicas in quorum', health.detail);
    },
    timeoutMs,
    1_000,
  );
  return { result, primary };
}

/** Every write PostgreSQL acknowledged during the trial is on the primary. */
export async function noAcknowledgedRowLost(writer: Writer, primary: string | undefined): Promise<InvariantResult> {
  const name = 'no acknowledged PostgreSQL write lost';
  if (!primary) return broken(name, 'no primary to read from');
  if (writer.acked.length === 0) return broken(name, 'the writer got no acknowledgement at all during the trial');
  const missing = await writer.missingOn(primary as Parameters<Writer['missingOn']>[0]);
  const detail = `${writer.acked.length} acknowledged rows, ${writer.errors} write errors (retried), ${missing.length} missing on ${primary}`;
  return missing.length === 0 ? held(name, detail) : broken(name, `${detail}: ${missing.slice(0, 10).join(', ')}`);
}
