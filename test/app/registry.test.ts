import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { createInstanceRegistry, registryKeys } from '../../shared/instance-registry';
import { adminHeaders, APP_SERVICE, cleanUpInstances, eventually, startReadyInstances, testRedis } from '../../testkit/app-instances';

describe('the instance registry in the Redis Cluster', () => {
  let redis: Cluster;
  before(() => (redis = testRedis()));
  after(async () => {
    await cleanUpInstances();
    await redis.quit();
  });

  it('keeps typed records that register, update and deregister', async () => {
    const registry = createInstanceRegistry(redis, { service: 'registry-unit-test', ttlSeconds: 5 });
    const record = await registry.register({ id: 'unit-1', host: '127.0.0.1', port: 4999, version: 'v9' });
    assert.equal(record.status, 'starting');
    assert.equal(await registry.updateCPU('unit-1', 42.5, 3.25), true);
    assert.equal(await registry.updateConnections('unit-1', 7), true);
    assert.equal(await registry.setStatus('unit-1', 'ready'), true);
    const [read] = await registry.getInstancesByStatus('ready');
    assert.deepEqual(
      { ...read, startedAt: 'x', updatedAt: 'x' },
      {
        id: 'unit-1',
        service: 'registry-unit-test',
        host: '127.0.0.1',
        port: 4999,
        version: 'v9',
        startedAt: 'x',
        status: 'ready',
        cpuPercent: 42.5,
        memoryPercent: 3.25,
        activeConnections: 7,
        requestRate: 0,
        updatedAt: 'x',
      },
    );
    assert.ok(!Number.isNaN(Date.parse(read.startedAt)) && !Number.isNaN(Date.parse(read.updatedAt)));
    assert.deepEqual(await registry.getInstancesByStatus('draining'), []);
    const ttl = await redis.pttl(registryKeys('registry-unit-test').record('unit-1'));
    assert.ok(ttl > 0 && ttl <= 5_000, `the record carries a TTL, got ${ttl}`);
    await registry.deregister('unit-1');
    assert.deepEqual(await registry.getAllInstances(), []);
    assert.equal(await registry.heartbeat('unit-1', { cpuPercent: 1 }), false, 'a heartbeat does not resurrect a deregistered record');
    assert.throws(() => createInstanceRegistry(redis, { service: 'Bad Service' }), /service must be lowercase/);
    await assert.rejects(registry.updateCPU('unit-1', Number.NaN), /cpuPercent must be a finite number/);
  });

  it('shows instances that start, drain, stop, and expire after SIGKILL', async () => {
    const registry = createInstanceRegistry(redis, { service: APP_SERVICE });
    const [a, b] = await startReadyInstances([1, 2], { REGISTRY_TTL_SECONDS: '3', HEARTBEAT_INTERVAL_MS: '500' });
    const both = await eventually('both instances registered as ready', async () => {
      const ready = (await registry.getInstancesByStatus('ready')).filter((r) => r.id === a.id || r.id === b.id);
      return ready.length === 2 ? ready : undefined;
    });
    assert.deepEqual(
      both.map((r) => [r.id, r.port, r.host, r.version, r.service]),
      [
        [a.id, a.port, '127.0.0.1', 'v-test', APP_SERVICE],
        [b.id, b.port, '127.0.0.1', 'v-test', APP_SERVICE],
      ],
    );
    // Heartbeats carry live figures: one connection is held open while the next heartbeat goes out.
    const held = fetch(`${a.url}/api/slow?ms=1500`);
    const busy = await eventually('a heartbeat reporting the open connection', async () => {
      const record = (await registry.getAllInstances()).find((r) => r.id === a.id);
      return record && record.activeConnections >= 1 ? record : undefined;
    });
    assert.ok(busy.memoryPercent > 0 && busy.cpuPercent >= 0, JSON.stringify(busy));
    await (await held).arrayBuffer();

    // Drain through the admin API: readiness fails and the registry says draining, but it still serves.
    const drained = await fetch(`${a.url}/api/admin/drain`, { method: 'POST', headers: adminHeaders() });
    assert.equal(drained.status, 202);
    assert.equal((await fetch(`${a.url}/api/health`)).status, 503);
    assert.equal((await fetch(`${a.url}/api/ping`)).status, 200);
    const status = (await (await fetch(`${a.url}/api/admin/status`, { headers: adminHeaders() })).json()) as Record<string, unknown>;
    assert.equal(status.status, 'draining');
    assert.deepEqual(Object.keys(status).slice(0, 7), [
      'id',
      'service',
      'status',
      'version',
      'activeConnections',
      'inFlightRequests',
      'startedAt',
    ]);
    assert.equal((await fetch(`${a.url}/api/admin/drain`, { method: 'POST', headers: adminHeaders() })).status, 202, 'drain is idempotent');
    assert.deepEqual(
      (await registry.getInstancesByStatus('draining')).map((r) => r.id),
      [a.id],
    );

    // SIGTERM: the instance deregisters itself on the way out.
    assert.deepEqual(await a.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(!(await registry.getAllInstances()).some((r) => r.id === a.id), 'a stopped instance deregisters');

    // SIGKILL: no goodbye, so the record stays until its TTL runs out.
    const killedAt = Date.now();
    await b.stop('SIGKILL');
    assert.ok(
      (await registry.getAllInstances()).some((r) => r.id === b.id),
      'right after SIGKILL the record is still there',
    );
    await eventually(
      'the killed instance expiring',
      async () => ((await registry.getAllInstances()).some((r) => r.id === b.id) ? undefined : true),
      8_000,
    );
    const expiredAfter = Date.now() - killedAt;
    assert.ok(expiredAfter <= 4_500, `expired ${expiredAfter} ms after SIGKILL with a 3 s TTL`);
    assert.equal(await redis.zscore(registryKeys(APP_SERVICE).index, b.id), null, 'the index entry is pruned too');
  });
});
