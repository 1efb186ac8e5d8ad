// The health router sharing nginx's upstream with others: the scaling operations change
// its membership while the router holds weights (a new instance joins at weight 1, a
// drained one never comes back), and the upstream's file lock keeps every membership and
// routing write when two processes change one upstream at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../testkit/app-instances';
import { listContainers, resetPlatform, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { scaleUpNow } from '../../testkit/scaling';
import { repoRoot, testWorkerConfig } from '../../testkit/stack';
import { readRoutes, routeHistory, upstreamConfFile } from '../../testkit/upstream';
import { usePlatformSession } from '../../testkit/temporal-session';
import { nginx, progressOf, roundsPass, withRouterWorker, routerSettings as settings, startRouter, stopRouter } from './health-router-kit';

describe('the health router shares the upstream with scaling operations and other processes', () => {
  const session = usePlatformSession();

  it('shares the upstream with scaling operations: a new instance joins at weight 1 and passes scaleUp’s own check, a drained one never comes back', async () => {
    await resetPlatform(session.client);
    await withRouterWorker('healthRouter with scaling operations', async (taskQueue, watch) => {
      await scaleUpNow(session.client, taskQueue, 2);
      const router = await startRouter(session.client, taskQueue, { rampSeconds: 6, reloadIntervalSeconds: 1 });
      await eventually(
        'the router takes the upstream over',
        async () => (readRoutes()['jarvis-app-2'] === settings.fullWeight ? true : undefined),
        60_000,
        100,
      );

      // scaleUp's own step proves a request through nginx reaches the new instance, at weight 1.
      const joinedFrom = Date.now();
      await scaleUpNow(session.client, taskQueue, 1);
      await eventually(
        'jarvis-app-3 ramps to full weight',
        async () => (readRoutes()['jarvis-app-3'] === settings.fullWeight ? true : undefined),
        60_000,
        100,
      );
      const joined = routeHistory(watch.changes, 'jarvis-app-3', joinedFrom).map((h) => h.route);
      assert.equal(joined.filter((r) => r !== 'absent')[0], 1, `jarvis-app-3 entered the upstream at weight 1: ${joined.join(' → ')}`);
      assert.equal(readRoutes()['jarvis-app-1'], settings.fullWeight, 'the router kept the others’ weights through the membership change');

      const drainFrom = Date.now();
      await session.client.workflow.execute('drainInstance', {
        taskQueue,
        workflowId: 'scale/jarvis-app',
        args: [{ instance: 'jarvis-app-3', cooldownSeconds: 0 }],
      });
      const roundsThen = (await progressOf(router)).rounds;
      await roundsPass(router, roundsThen, 4, 'four more router rounds');
      const drained = routeHistory(watch.changes, 'jarvis-app-3', drainFrom).map((h) => h.route);
      assert.ok(drained.includes('absent') && drained.at(-1) === 'absent', `jarvis-app-3 after its drain: ${drained.join(' → ')}`);
      assert.ok(
        !drained.slice(drained.indexOf('absent')).some((r) => r !== 'absent'),
        `never put back after the drain: ${drained.join(' → ')}`,
      );
      const members = (await upstreamMembers()).map((m) => m.name);
      const running = (await listContainers()).filter((c) => c.running).map((c) => c.name);
      assert.deepEqual(members, ['jarvis-app-1', 'jarvis-app-2']);
      assert.deepEqual(members, running, 'every member of the upstream is a running instance');
      assert.ok((await progressOf(router)).events.some((e) => e.instance === 'jarvis-app-3' && e.code === 'Left'));
      await stopRouter(router);
    });
  });

  it('keeps every membership and routing write when two processes change one upstream at once', async () => {
    const service = 'lock-test';
    const config = testWorkerConfig();
    const lb = nginx();
    const port = (i: number) => ports.appTestBase + 30 + i;
    // Another process adds ten members while this one adds ten and rewrites the routing ten times.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const { createNginxActivities } = require(${JSON.stringify(path.join(repoRoot, 'dist', 'activities', 'routing', 'nginx.js'))});
         const lb = createNginxActivities(JSON.parse(process.argv[1]));
         Promise.all(Array.from({ length: 10 }, (_, i) => lb.ensureUpstreamMember('${service}', { name: 'a-' + i, port: ${port(0)} + i })))
           .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`,
        JSON.stringify({ nginxBin: config.nginxBin, prefix: config.nginxPrefix }),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const childDone = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => lb.ensureUpstreamMember(service, { name: `b-${i}`, port: port(10) + i })),
        ...Array.from({ length: 10 }, (_, i) =>
          lb.applyUpstreamRouting({ service, entries: {}, newMemberWeight: 1 + (i % 3), minReloadIntervalMs: 0 }),
        ),
      ]);
      assert.equal(await childDone, 0, 'the other process finished its writes');
      const names = (await lb.listUpstreamMembers(service)).map((m) => m.name).sort();
      const expected = [...Array.from({ length: 10 }, (_, i) => `a-${i}`), ...Array.from({ length: 10 }, (_, i) => `b-${i}`)].sort();
      assert.deepEqual(names, expected, 'no membership write was lost');
      const rendered = Object.keys(readRoutes(service)).sort();
      assert.deepEqual(rendered, expected, 'the rendered upstream has every member');
      const state = await lb.readUpstreamState(service);
      assert.ok(state.routing, 'the routing written last is there');
    } finally {
      child.kill('SIGKILL');
      for (const member of await lb.listUpstreamMembers(service)) await lb.removeUpstreamMember(service, member.name);
      await lb.releaseUpstreamRouting(service);
      // Leave no extra upstream behind: nginx drops it at its next reload.
      const base = upstreamConfFile(service).replace(/\.conf$/, '');
      for (const suffix of ['.conf', '.members.json', '.routing.json', '.loaded', '.lock']) rmSync(`${base}${suffix}`, { force: true });
    }
  });
});
