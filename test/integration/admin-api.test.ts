// The admin HTTP API and the worker's platform metrics, against the real stack: the bearer
// token guards every /api/admin route, and the figures agree with Temporal visibility.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import { Registry } from 'prom-client';
import { createClients, createOrchestrator } from '../../activities';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { SCALING_OPERATION_TYPES, outcomeOf } from '../../policy/scaling/scaling-stats';
import { startAdminApi, type AdminApi } from '../../admin-api/main';
import { registerPlatformMetrics } from '../../workers/metrics/platform-metrics';
import type { AutoscalerStatus } from '../../read-models/autoscaler-status';
import type { instanceCounts, InstanceView } from '../../read-models/platform-view';
import type { scalingStatsByService } from '../../read-models/scaling-stats';
import { listOperations } from '../../read-models/visibility';
import { resetPlatform, SERVICE } from '../../testkit/platform';
import { stackSecrets, taskQueueFor, temporalClient, testWorkerConfig } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';

describe('admin API and platform metrics', () => {
  let client: Client;
  let connection: Connection;
  let api: AdminApi;
  const token = stackSecrets().ADMIN_TOKEN;
  const config = testWorkerConfig({ ADMIN_TOKEN: token, MIN_INSTANCES: '0', MAX_INSTANCES: '3' });
  const get = (path: string, auth?: string) =>
    fetch(`http://127.0.0.1:${api.port}${path}`, { headers: auth === undefined ? {} : { authorization: auth } });

  before(async () => {
    ({ client, connection } = await temporalClient());
    await resetPlatform(client);
    // One instance and one finished scaleUp, so every figure has something to show.
    const taskQueue = taskQueueFor('admin api');
    await withWorker(
      taskQueue,
      () =>
        client.workflow.execute('scaleUp', {
          taskQueue,
          workflowId: 'scale/jarvis-app',
          args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
        }),
      { MIN_INSTANCES: '0', MAX_INSTANCES: '3' },
    );
    api = await startAdminApi(config, 0);
  });
  after(async () => {
    await api?.close();
    await resetPlatform(client);
    await connection.close();
  });

  it('answers 401 without the token, with a wrong one, or a malformed header, on every admin route', async () => {
    for (const path of ['/api/admin/autoscaler/status', '/api/admin/metrics', '/api/admin/health/instances']) {
      for (const auth of [undefined, 'Bearer wrong-token-of-some-length', `Basic ${token}`, `Bearer ${token}x`]) {
        const res = await get(path, auth);
        await res.arrayBuffer();
        assert.equal(res.status, 401, `${path} with ${auth === undefined ? 'no header' : auth.slice(0, 12)}`);
      }
    }
  });

  it('serves /api/health without a token', async () => {
    const res = await get('/api/health');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', temporal: 'reachable' });
  });

  it('serves the scaling statistics computed from visibility', async () => {
    const res = await get('/api/admin/metrics', `Bearer ${token}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Awaited<ReturnType<typeof scalingStatsByService>>;
    const records = await listOperations(client, { types: SCALING_OPERATION_TYPES });
    assert.equal(body.totalScaleUps, records.filter((r) => r.type === 'scaleUp').length);
    assert.equal(body.failedScaleOps, records.filter((r) => outcomeOf(r.status) === 'failure').length);
    assert.equal(body.lastScaleEvent?.workflowId, 'scale/jarvis-app');
    assert.equal(body.lastScaleEvent?.outcome, 'success');
    assert.equal(typeof body.averageScaleDuration, 'number');
    assert.ok(body.services[SERVICE]);
  });

  it("serves each instance's health", async () => {
    const res = await get('/api/admin/health/instances', `Bearer ${token}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      services: Array<{ service: string; instances: InstanceView[] } & ReturnType<typeof instanceCounts>>;
    };
    const svc = body.services.find((s) => s.service === SERVICE)!;
    assert.deepEqual([svc.total, svc.ready, svc.unhealthy], [1, 1, 0]);
    assert.deepEqual(
      svc.instances.map((i) => [i.name, i.health?.status, i.registryStatus]),
      [['jarvis-app-1', 200, 'ready']],
    );
  });

  it("serves the autoscaler status: no schedule after a reset, then the schedule's state", async () => {
    const res = await get('/api/admin/autoscaler/status', `Bearer ${token}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { services: AutoscalerStatus[] };
    const svc = body.services.find((s) => s.service === SERVICE)!;
    assert.equal(svc.scheduleId, 'autoscale/jarvis-app');
    assert.equal(svc.exists, false);
    assert.ok(Array.isArray(svc.lastChecks));
  });

  it('exports instance gauges and scaling metrics that agree with the orchestrator and visibility', async () => {
    const registry = new Registry();
    const clients = createClients(config);
    try {
      const orchestrator = createOrchestrator(await chooseOrchestrator(config, clients.docker), config, clients);
      registerPlatformMetrics(registry, { client, orchestrator, redis: clients.cluster, services: [SERVICE] });
      const text = await registry.metrics();
      assert.match(text, /^jarvis_instances_total\{service="jarvis-app"\} 1$/m);
      assert.match(text, /^jarvis_instances_ready\{service="jarvis-app"\} 1$/m);
      assert.match(text, /^jarvis_instances_unhealthy\{service="jarvis-app"\} 0$/m);
      const records = await listOperations(client, { types: SCALING_OPERATION_TYPES, service: SERVICE });
      const successes = records.filter((r) => r.type === 'scaleUp' && outcomeOf(r.status) === 'success').length;
      assert.match(
        text,
        new RegExp(`^jarvis_scaling_events_total\\{service="jarvis-app",operation="scaleUp",outcome="success"\\} ${successes}$`, 'm'),
      );
      assert.match(
        text,
        new RegExp(`^jarvis_scaling_duration_seconds_count\\{service="jarvis-app",operation="scaleUp"\\} ${successes}$`, 'm'),
      );
      assert.match(text, /^# TYPE jarvis_autoscale_triggers_total counter$/m);
    } finally {
      await clients.close();
    }
  });
});
