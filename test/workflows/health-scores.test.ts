// Health scores where an operator looks, on the real stack: the gauge
// jarvis_instance_health_score, /api/admin/health/instances and `jarvis-scale status` show
// the same score per instance: a probe's 100/0 with no health router, the router's own
// score (and reason code) once it runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createClients, createOrchestrator } from '../../activities';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { startAdminApi } from '../../admin-api/main';
import type { InstanceHealthScore } from '../../read-models/health-scores';
import type { PlatformStatus } from '../../read-models/platform-status';
import { registerHealthScoreMetrics } from '../../workers/metrics/health-score-metrics';
import { adminHeaders, eventually } from '../../testkit/app-instances';
import { cliJson, runCli } from '../../testkit/cli';
import { listContainers, SERVICE } from '../../testkit/platform';
import { stackSecrets, taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';
import { progressOf, startRouter, stopRouter } from './health-router-kit';
import { scaleUpNow } from '../../testkit/scaling';

type Seen = Array<[string, number, string]>;

describe('instance health scores', () => {
  const session = usePlatformSession();
  const env = { MIN_INSTANCES: '0', MAX_INSTANCES: '3' };
  const config = testWorkerConfig({ ADMIN_TOKEN: stackSecrets().ADMIN_TOKEN, ...env });

  /** [instance, score, source] from each of the three places. */
  async function everywhere(): Promise<{ gauge: Seen; api: Seen; cli: Seen }> {
    const clients = createClients(config);
    const api = await startAdminApi(config, 0);
    try {
      const registry = new Registry();
      const orchestrator = createOrchestrator(await chooseOrchestrator(config, clients.docker), config, clients);
      registerHealthScoreMetrics(registry, { client: session.client, orchestrator, redis: clients.cluster, services: [SERVICE] });
      const text = await registry.metrics();
      const gauge: Seen = [...text.matchAll(/^jarvis_instance_health_score\{service="jarvis-app",instance="([^"]+)"\} (\d+)$/gm)].map(
        (m) => [m[1], Number(m[2]), ''],
      );
      const res = await fetch(`http://127.0.0.1:${api.port}/api/admin/health/instances`, { headers: adminHeaders() });
      const body = (await res.json()) as {
        services: Array<{ instances: Array<{ name: string; healthScore: number; healthScoreSource: string }> }>;
      };
      const apiSeen: Seen = body.services[0].instances.map((i) => [i.name, i.healthScore, i.healthScoreSource]);
      const run = await runCli(['--json', 'status']);
      assert.equal(run.code, 0, run.stderr);
      const status = cliJson<PlatformStatus & { ok: boolean }>(run.stdout);
      const scores: InstanceHealthScore[] = status.services[0].healthScores;
      return { gauge, api: apiSeen, cli: scores.map((s) => [s.instance, s.score, s.source]) };
    } finally {
      await api.close();
      await clients.close();
    }
  }

  function assertEverywhere(seen: { gauge: Seen; api: Seen; cli: Seen }, expected: Seen): void {
    assert.deepEqual(seen.api, expected, 'the admin API');
    assert.deepEqual(seen.cli, expected, 'jarvis-scale status');
    assert.deepEqual(
      seen.gauge,
      expected.map(([name, score]) => [name, score, '']),
      'the gauge',
    );
  }

  it('shows the same score in the gauge, the admin API and jarvis-scale status, from a probe and then from the router', async () => {
    const taskQueue = taskQueueFor('health scores');
    await withWorker(
      taskQueue,
      async () => {
        await scaleUpNow(session.client, taskQueue, 2);
        // Draining makes jarvis-app-2 answer /api/health with 503 while it keeps running.
        const second = (await listContainers()).find((c) => c.name === 'jarvis-app-2')!;
        const drained = await fetch(`http://127.0.0.1:${second.port}/api/admin/drain`, { method: 'POST', headers: adminHeaders() });
        assert.equal(drained.status, 202);

        assertEverywhere(await everywhere(), [
          ['jarvis-app-1', 100, 'probe'],
          ['jarvis-app-2', 0, 'probe'],
        ]);

        const router = await startRouter(session.client, taskQueue);
        await eventually(
          'the router tracks both instances',
          async () => ((await progressOf(router)).instances.length === 2 ? true : undefined),
          30_000,
          200,
        );
        const seen = await everywhere();
        assertEverywhere(seen, [
          ['jarvis-app-1', 100, 'health-router'],
          ['jarvis-app-2', 0, 'health-router'],
        ]);
        process.stdout.write(`# scores with the router: ${JSON.stringify(seen.cli)}\n`);
        await stopRouter(router);
      },
      env,
    );
  });
});
