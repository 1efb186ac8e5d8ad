// The alerting path end to end: one Redis node of the live stack stops, the worker's
// jarvis_redis_cluster_nodes_total shows it, and the live Prometheus fires
// JarvisRedisNodeDown (rules/redis.yml, for: 30s). The node then comes back, and the
// cluster must be whole again for the next test file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ports } from '../../testkit/ports';
import { instantQuery, prometheusAlerts, waitFor } from '../../testkit/prometheus';
import { assertBaseCluster, clusterView } from '../../testkit/redis';
import { repoRoot, stateDir, taskQueueFor } from '../../testkit/stack';
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';

const run = promisify(execFile);
const manageCluster = (...args: string[]) =>
  run('bash', [path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh'), ...args], {
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeout: 60_000,
  });

const firingNodeDown = async () =>
  (await prometheusAlerts()).find((a) => a.labels.alertname === 'JarvisRedisNodeDown' && a.state === 'firing');

describe('a Redis node that stops fires JarvisRedisNodeDown in the live Prometheus', () => {
  let worker: WorkerProcess;
  let stoppedPort: number | undefined;

  before(async () => {
    worker = await startWorkerProcess(taskQueueFor('redis node down alert'), {
      WORKER_METRICS_PORT: String(ports.workerMetrics),
      WORKER_SDK_METRICS_PORT: '0',
    });
  });

  after(async () => {
    if (stoppedPort !== undefined) await manageCluster('start-node', String(stoppedPort));
    await worker?.kill('SIGTERM');
    await assertBaseCluster(120_000);
  });

  it('scrapes six healthy nodes, then fires within the rule window once a replica stops, and clears after it returns', async () => {
    const healthy = await waitFor('Prometheus to scrape 6 ok Redis nodes', 60_000, async () => {
      const [sample] = await instantQuery('sum(jarvis_redis_cluster_nodes_total{cluster="cache",state="ok"})');
      return sample && Number(sample.value[1]) === 6 ? sample : undefined;
    });
    assert.equal(Number(healthy.value[1]), 6);
    assert.equal(await firingNodeDown(), undefined, 'no node-down alert fires while every node is up');

    const replica = (await clusterView()).nodes.find((n) => n.role === 'replica');
    assert.ok(replica, 'the cluster has a replica to stop');
    stoppedPort = replica.port;
    const stoppedAt = Date.now();
    await manageCluster('stop-node', String(stoppedPort));

    const alert = await waitFor('JarvisRedisNodeDown to fire', 150_000, firingNodeDown);
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.cluster, 'cache');
    const [down] = await instantQuery('sum(jarvis_redis_cluster_nodes_total{cluster="cache",state=~"pfail|fail"})');
    assert.ok(Number(down.value[1]) >= 1, `Prometheus counts the stopped node as down: ${JSON.stringify(down)}`);
    console.log(`JarvisRedisNodeDown fired ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after node ${stoppedPort} stopped`);

    await manageCluster('start-node', String(stoppedPort));
    stoppedPort = undefined;
    await waitFor('the alert to clear after the node returned', 150_000, async () => ((await firingNodeDown()) ? undefined : true));
  });
});
