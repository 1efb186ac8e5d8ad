// The chaos checkers that no trial had shown failing, each shown a real violation planted on
// the live stack: a promoted replica (two writable servers, no single primary, a PostgreSQL
// layout not rolled back), an upstream member that stops answering, an instance count above
// its bounds while the sampler runs, and an acknowledged Redis write that is gone. Each check
// must report it, then hold again once the damage is undone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnStandInInstance } from './stand-in-instance';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPgRejoinActivities } from '../../activities/postgres/postgres-rejoin';
import { pgPort, pgWorkerEnv, primaryAndFirstStandby, sleep, waitClusterHealthy, withPg, WritableProber } from '../../testkit/pg-cluster';
import { SERVICE } from '../../testkit/platform';
import { resilientClusterClient, ListWriter } from '../../testkit/redis-writer';
import { scaleUpNow } from '../../testkit/scaling';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorker } from '../../testkit/workers';
import { InstanceCountSampler, instanceProcesses, upstreamAliveAndReady } from './invariants/instances';
import { exactlyOnePrimary, neverTwoWritable } from './invariants/postgres';
import { noAcknowledgedRedisWriteLost } from './invariants/redis';
import { rolledBack } from './invariants/rolled-back';
import { hosts, ports } from '../../testkit/ports';
import { createSessions, OpenLoopTraffic } from './traffic';
import { attributeTraffic, readFailureLog, trafficExplained } from './traffic-attribution';

describe('chaos checkers report a planted violation', () => {
  const session = usePlatformSession();
  const taskQueue = taskQueueFor('chaos checkers fail');

  it('a promoted replica: two writable servers, no single primary, and a PostgreSQL layout not rolled back', async () => {
    const { primary, standby } = await primaryAndFirstStandby();
    const before = { instances: [], versions: [], redisNodes: 0, pgPrimary: primary };
    assert.equal((await rolledBack('postgres', before, 0)).ok, true);
    const prober = new WritableProber();
    prober.start(50);
    try {
      await withPg(pgPort(standby), 'postgres', (pg) => pg.query('SELECT pg_promote(true, 30)'));
      for (let i = 0; i < 100 && prober.maxWritable < 2; i++) await sleep(50);
    } finally {
      await prober.stop();
    }
    const two = neverTwoWritable(prober);
    assert.equal(two.ok, false, two.detail);
    assert.match(two.detail, new RegExp(`at most 2 writable at once: .*(${primary}, ${standby}|${standby}, ${primary})`));
    const one = await exactlyOnePrimary(0);
    assert.equal(one.result.ok, false);
    assert.match(one.result.detail, /writable: .*, .*/);
    const back = await rolledBack('postgres', before, 0);
    assert.equal(back.ok, false);
    assert.match(back.detail, new RegExp(`primary before: ${primary}; now: writable: `));

    // Undone by the product's own rejoin: pg_rewind of the promoted replica onto the primary.
    const rejoin = createPgRejoinActivities(testWorkerConfig(pgWorkerEnv())).rejoinPgServer;
    await new MockActivityEnvironment().run(rejoin, { name: standby, to: primary });
    assert.equal(await waitClusterHealthy(60_000), primary);
    assert.equal((await exactlyOnePrimary(0)).result.ok, true);
    assert.equal((await rolledBack('postgres', before, 0)).ok, true);
  });

  it('an upstream member that stops answering, and the same member once it answers again', async () => {
    await withWorker(taskQueue, () => scaleUpNow(session.client, taskQueue, 1));
    const [instance] = await instanceProcesses(SERVICE);
    assert.equal((await upstreamAliveAndReady(SERVICE, 2)).ok, true);
    process.kill(instance.pid, 'SIGSTOP');
    try {
      const seen = await upstreamAliveAndReady(SERVICE, 2);
      assert.equal(seen.ok, false);
      assert.match(seen.detail, new RegExp(`${instance.name}:${instance.port} health unreachable`));
    } finally {
      process.kill(instance.pid, 'SIGCONT');
    }
    assert.equal((await upstreamAliveAndReady(SERVICE, 2)).ok, true);
  });

  it('traffic failures no struck fault explains: an upstream member frozen with SIGSTOP that the trial never killed', async () => {
    await withWorker(taskQueue, () => scaleUpNow(session.client, taskQueue, 1));
    const [instance] = await instanceProcesses(SERVICE);
    const baseUrl = `http://${hosts.nginx}:${ports.nginx}`;
    const idPrefix = `checkers-fail-${Date.now()}`;
    const options = {
      baseUrl,
      rate: 40,
      maxRequests: 400,
      maxMs: 10_000,
      timeoutMs: 1_500,
      idPrefix,
      sessions: await createSessions(baseUrl, 4),
    };
    const traffic = new OpenLoopTraffic(options);
    const began = Date.now();
    traffic.start();
    try {
      await sleep(500);
      process.kill(instance.pid, 'SIGSTOP');
      await sleep(3_000);
    } finally {
      process.kill(instance.pid, 'SIGCONT');
    }
    const requests = await traffic.stop();
    const log = readFailureLog(undefined, idPrefix);
    const seen = attributeTraffic(requests, log, [], began);
    const verdict = trafficExplained(seen);
    assert.equal(verdict.ok, false, verdict.detail);
    // The client gave up (no answer in 1.5 s); nginx logged it (499) with the frozen instance as its upstream.
    assert.match(verdict.detail, new RegExp(`unexplained: .*no answer in 1500 ms via 127\\.0\\.0\\.1:${instance.port}`));
    // A kill of another instance at that moment explains none of them.
    const elsewhere = { kind: 'app-kill', target: 'drained-instance', plannedAtMs: 500, atMs: 500, killedAtMs: 500 } as const;
    const other = {
      ...elsewhere,
      waitedForTarget: false,
      struck: true,
      workflowStatus: 'RUNNING',
      pendingActivities: [],
      appPort: instance.port + 50,
    };
    assert.equal(attributeTraffic(requests, log, [other], began).byCause.unexplained, seen.byCause.unexplained);
  });

  it('an instance count above its bounds while the in-trial sampler runs', async () => {
    const running = (await instanceProcesses(SERVICE)).length;
    const bounds = { min: 0, max: running };
    const quiet = new InstanceCountSampler(SERVICE);
    quiet.start(50);
    await sleep(300);
    await quiet.stop();
    assert.equal(quiet.result(bounds, false).ok, true);

    const sampler = new InstanceCountSampler(SERVICE);
    sampler.start(50);
    // One more process carrying an instance's labels: the sampler counts processes, as the kernel sees them.
    const extra = spawnStandInInstance(97, 'planted', 30);
    try {
      await sleep(500);
    } finally {
      extra.kill('SIGKILL');
      await new Promise((r) => extra.once('exit', r));
      await sampler.stop();
    }
    const seen = sampler.result(bounds, false);
    assert.equal(seen.ok, false);
    assert.match(seen.detail, new RegExp(`and ${running + 1} instances over \\d+ samples, allowed \\[0, ${running}\\]`));
  });

  it('an acknowledged Redis write that is gone from its list, excused only across a killed master that served its slot', async () => {
    const writer = new ListWriter(50, 2);
    const cluster = resilientClusterClient();
    try {
      await writer.populate();
      const populatedAt = Date.now();
      writer.start();
      await sleep(300);
      assert.equal((await noAcknowledgedRedisWriteLost(writer)).result.ok, true);
      await cluster.lpop(writer.key(7));
      const slot = await writer.slotOf(writer.key(7));
      // A crash of a master serving another slot excuses nothing.
      const elsewhere = await noAcknowledgedRedisWriteLost(writer, [{ atMs: populatedAt, slots: [(slot + 1) % 16384] }]);
      assert.equal(elsewhere.result.ok, false);
      assert.match(elsewhere.result.detail, /reshard-test:7 \(slot \d+\): acknowledged values missing: 0/);
      // A crash long after the write excuses nothing either: it had time to replicate.
      const later = await noAcknowledgedRedisWriteLost(writer, [{ atMs: populatedAt + 60_000, slots: [slot] }]);
      assert.equal(later.result.ok, false);
      // Its own master killed right after it: counted as lost across the failover, not a violation.
      const across = await noAcknowledgedRedisWriteLost(writer, [{ atMs: populatedAt, slots: [slot] }]);
      assert.equal(across.result.ok, true, across.result.detail);
      assert.equal(across.lostAcrossFailover.count, 1);
    } finally {
      cluster.disconnect();
      await writer.cleanup().catch(() => writer.close());
    }
  });
});
