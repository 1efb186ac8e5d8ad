// Redis Cluster invariants: all 16384 slots covered and none open, on every node's view,
// redis-cli --cluster check clean, and every acknowledged write present in order.
import { coverageProblems } from '../../../policy/redis/redis-cluster-view';
import { clusterView, redisCliCheck } from '../../../testkit/redis';
import type { ListWriter } from '../../../testkit/redis-writer';
import { broken, eventually, held, type InvariantResult } from './types';

/** Reads every node the first node knows (extra ones included) and checks coverage, open slots and failing flags. */
export async function slotsCoveredNoneOpen(basePort: number, timeoutMs: number): Promise<InvariantResult> {
  const name = 'all 16384 slots covered, none open';
  return eventually(
    async () => {
      const first = await clusterView(basePort);
      const views = await Promise.all(first.nodes.map((n) => clusterView(n.port)));
      const problems = coverageProblems(views);
      if (problems.length > 0)
        return broken(
          name,
          problems
            .slice(0, 5)
            .map((p) => `${p.code}: ${p.detail}`)
            .join('; '),
        );
      const check = await redisCliCheck(basePort);
      if (!check.clean)
        return broken(
          name,
          `redis-cli --cluster check: ${check.output
            .split('\n')
            .filter((l) => /WARN|ERR/.test(l))
            .slice(0, 3)
            .join(' | ')}`,
        );
      const masters = first.nodes.filter((n) => n.role === 'master');
      return held(name, `${first.nodes.length} nodes, ${masters.length} masters; redis-cli --cluster check clean`);
    },
    timeoutMs,
    1_000,
  );
}

/** Stops the writer (so no write is in flight), checks every acknowledged value, and reports. Restart it with writer.start(). */
export async function noAcknowledgedRedisWriteLost(writer: ListWriter): Promise<InvariantResult> {
  const name = 'no acknowledged Redis write lost';
  const report = await writer.stop();
  const verified = await writer.verify();
  const detail = `${report.writes} acknowledged writes so far in the run, ${report.errors} errors, ${verified.keysChecked} keys checked`;
  return verified.problems.length === 0 ? held(name, detail) : broken(name, `${detail}: ${verified.problems.slice(0, 5).join('; ')}`);
}
