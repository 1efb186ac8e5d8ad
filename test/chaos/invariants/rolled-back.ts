// A failed operation must leave what it touched as it found it: the same instances at the same
// versions, the same Redis nodes, or the same PostgreSQL primary with both replicas streaming
// from it in quorum (a failed switchover or failover that promoted nobody, or put the old
// primary back).
import { clusterHealth, type PgName } from '../../../testkit/pg-cluster';
import { SERVICE } from '../../../testkit/platform';
import { clusterView } from '../../../testkit/redis';
import { instanceProcesses } from './instances';
import { broken, eventually, held, type InvariantResult } from './types';

export interface PlatformBefore {
  instances: string[];
  versions: string[];
  redisNodes: number;
  pgPrimary?: PgName;
  /** The trial itself killed that primary: pgMonitor's failover then picks the next one, so any healthy primary counts. */
  pgPrimaryKilled?: boolean;
}

const NAME = 'failed operation rolled back';

export async function rolledBack(
  domain: 'scaling' | 'postgres' | 'redis',
  before: PlatformBefore,
  pgTimeoutMs = 60_000,
): Promise<InvariantResult> {
  if (domain === 'scaling') {
    const now = await instanceProcesses(SERVICE);
    const versions = now.map((p) => p.version).sort();
    const same = now.length === before.instances.length && JSON.stringify(versions) === JSON.stringify(before.versions);
    const detail = `before: ${before.instances.length} instances at ${before.versions.join(',')}; after: ${now.length} at ${versions.join(',')}`;
    return same ? held(NAME, detail) : broken(NAME, detail);
  }
  if (domain === 'redis') {
    const nodes = (await clusterView()).nodes.length;
    return nodes === before.redisNodes
      ? held(NAME, `${nodes} Redis nodes, as before`)
      : broken(NAME, `${before.redisNodes} Redis nodes before, ${nodes} after`);
  }
  // A failover's setup kills the primary: there is no healthy layout to go back to, and the
  // one-primary check judges where the failed operation left the cluster.
  if (!before.pgPrimary) return held(NAME, 'no healthy PostgreSQL primary before the operation (its setup struck it)');
  return eventually(
    async () => {
      const health = await clusterHealth();
      const same = health.healthy && (before.pgPrimaryKilled || health.primary === before.pgPrimary);
      const detail = `primary before: ${before.pgPrimary}${before.pgPrimaryKilled ? ' (killed by the trial)' : ''}; now: ${health.detail}`;
      return same ? held(NAME, detail) : broken(NAME, detail);
    },
    pgTimeoutMs,
    1_000,
  );
}
