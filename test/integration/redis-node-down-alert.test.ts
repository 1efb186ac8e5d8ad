// The alerting path end to end: one Redis node of the live stack stops, the worker's
// jarvis_redis_cluster_nodes_total shows it, the live Prometheus fires JarvisRedisNodeDown
// (rules/redis.yml, for: 30s), and Alertmanager delivers it to the critical receiver of the
// local webhook receiver that stands in for a pager. The node then comes back, the resolve
// arrives too, and the cluster must be whole again for the next test file. A warning, posted
// to Alertmanager directly, arrives at the warning receiver only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { findDelivered, postAlert, receivedNotifications } from '../../testkit/alerts';
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

  it('routes a warning to the warning receiver and not to the critical one, and delivers its resolve', async () => {
    const [critical, warning] = [receivedNotifications('critical').length, receivedNotifications('warning').length];
    const labels = { alertname: 'JarvisRoutingCheck', severity: 'warning', run: String(Date.now()) };
    await postAlert(labels);
    const delivered = await waitFor('the warning to arrive', 30_000, async () =>
      findDelivered('warning', warning, 'JarvisRoutingCheck', 'firing'),
    );
    assert.equal(delivered.receiver, 'pager-warning');
    await postAlert(labels, new Date(Date.now() - 1000));
    await waitFor('its resolve to arrive', 30_000, async () => findDelivered('warning', warning, 'JarvisRoutingCheck', 'resolved'));
    assert.equal(findDelivered('critical', critical, 'JarvisRoutingCheck', 'firing'), undefined, 'a warning never pages');
  });

  it('scrapes six healthy nodes, then fires within the rule window once a replica stops, and clears after it returns', async () => {
    const seen = { critical: receivedNotifications('critical').length, warning: receivedNotifications('warning').length };
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
    const paged = await waitFor('JarvisRedisNodeDown to arrive at the critical receiver', 30_000, async () =>
      findDelivered('critical', seen.critical, 'JarvisRedisNodeDown', 'firing'),
    );
    assert.equal(paged.receiver, 'pager-critical');
    assert.equal(
      findDelivered('warning', seen.warning, 'JarvisRedisNodeDown', 'firing'),
      undefined,
      'a critical alert goes to the critical receiver only',
    );
    console.log(`... and arrived at the critical receiver ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the stop`);

    await manageCluster('start-node', String(stoppedPort));
    const restartedAt = Date.now();
    stoppedPort = undefined;
    await waitFor('the alert to clear after the node returned', 150_000, async () => ((await firingNodeDown()) ? undefined : true));
    await waitFor('the resolve to arrive at the critical receiver', 60_000, async () =>
      findDelivered('critical', seen.critical, 'JarvisRedisNodeDown', 'resolved'),
    );
    console.log(`the resolve arrived ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the node restarted`);
  });
});
