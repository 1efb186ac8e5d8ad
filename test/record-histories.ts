// Records real workflow histories for the replay tests. Run against a stack started
// with `bash infra/local/stack.sh services` (see docs/testing.md, "Re-recording histories"):
//   node dist/test/record-histories.js
// The recorders: record-scaling-histories.ts (scaling and routing) and record-data-histories.ts (PostgreSQL, Redis).
import { temporalClient } from '../testkit/stack';
import { recordPgHa, recordRedis } from './record-data-histories';
import { recordAutoscaleStart, recordHealthRouter, recordScaleUp, recordScalingOperations } from './record-scaling-histories';
import { save } from './history-recording';
import { recordScaleTo } from './record-scale-to';
import { recordKubernetes } from './record-kubernetes-histories';
import { recordRedisNodeAddresses } from './record-redis-address-histories';

async function main(): Promise<void> {
  const { client, connection } = await temporalClient();
  // One family only: `scaleUp`, `scaleTo`, `scaling` (scaleDown, drain, rollout, autoscale), `autoscale` (a check that starts scaleUp), `router` (healthRouter), `pg`, `redis` or `redis-address` (no Docker needed for these), `kubernetes` (the kubernetes driver on a local control plane).
  const only = process.argv[2];
  try {
    if (!only || only === 'scaleUp') await recordScaleUp(client);
    if (!only || only === 'scaleTo') await recordScaleTo(client, save);
    if (!only || only === 'scaling') await recordScalingOperations(client);
    if (!only || only === 'autoscale') await recordAutoscaleStart(client);
    if (!only || only === 'router') await recordHealthRouter(client);
    if (!only || only === 'pg') await recordPgHa(client);
    if (!only || only === 'redis') await recordRedis(client);
    if (!only || only === 'redis-address') await recordRedisNodeAddresses(client);
    // Starts the Kubernetes control plane (infra/kubernetes/cluster.sh) if it does not run.
    if (!only || only === 'kubernetes') await recordKubernetes(client);
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
