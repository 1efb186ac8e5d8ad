// The health router against the real stack: a hung instance (SIGSTOP) under steady load
// through nginx is ejected after N failed rounds, half-open probes bring it back, its
// weight ramps up, and reloads keep to the rate limit. Then it shares the upstream with
// scaling operations, and the upstream's file lock keeps every write of two processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { createNginxActivities } from '../../activities/routing/nginx';
import { healthRouterProgressQuery, type HealthRouterProgress } from '../../contracts/routing';
import { eventually } from '../../testkit/app-instances';
import { startSteadyLoad } from '../../testkit/load';
import { listContainers, resetPlatform, SERVICE, upstreamMembers } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { repoRoot, taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { readRoutes, routeHistory, setFrozen, upstreamConfFile, watchUpstream } from '../../testkit/upstream';
import { withWorker } from '../../testkit/workers';
import { usePlatformSession } from '../../testkit/temporal-session';

const ROUTER_ID = 'health-router/jarvis-app';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Short periods so the whole story fits in about two minutes. The reload interval (5 s) is
// longer than a ramp step (12 s / 3 steps = 4 s), so the rate limit has to hold steps back.
const settings = {
  probeIntervalSeconds: 1,
  probeTimeoutMs: 700,
  failureThreshold: 2,
  openSeconds: 3,
  recoveryProbes: 2,
  rampSeconds: 12,
  fullWeight: 4,
  reloadIntervalSeconds: 5,
  // A few continueAsNew hand-overs happen inside the test, carrying the breaker states.
  roundsPerRun: 8,
};

function nginx() {
  const config = testWorkerConfig();
  return createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix });
}

async function progressOf(handle: WorkflowHandle): Promise<HealthRouterProgress> {
  return handle.query(healthRouterProgressQuery);
}

async function stopRouter(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  await assert.rejects(handle.result(), /cancel/i);
}

describe('the health router against the real stack', () => {
  const session = usePlatformSession();

  it('ejects a hung instance after N failed rounds under load, brings it back by half-open probes, ramps its weight, and rate-limits reloads', async () => {
    const taskQueue = taskQueueFor('healthRouter eject and recover');
    const watch = watchUpstream();
    try {
      await withWorker(
        taskQueue,
        async () => {
          await session.client.workflow.execute('scaleUp', {
            taskQueue,
            workflowId: 'scale/jarvis-app',
            args: [{ service: SERVICE, count: 3, cooldownSeconds: 0 }],
          });
          const routerStartedAt = Date.now();
          const router = await session.client.workflow.start('healthRouter', {
            taskQueue,
            workflowId: ROUTER_ID,
            args: [{ service: SERVICE, ...settings }],
          });
          await eventually(
            'the router takes the upstream over at full weight',
            async () =>
              Object.values(readRoutes()).every((r) => r === settings.fullWeight) && Object.keys(readRoutes()).length === 3
                ? true
                : undefined,
            60_000,
            100,
          );

          const loadA = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 4, maxSeconds: 300, pauseMs: 20 });
          await sleep(2000);
          const frozenAt = Date.now();
          await setFrozen('jarvis-app-2', true);
          let afterEjection: ReturnType<typeof startSteadyLoad> | undefined;
          let ejectedAt = 0;
          try {
            ejectedAt = await eventually(
              'jarvis-app-2 is ejected',
              async () => (readRoutes()['jarvis-app-2'] === 'down' ? Date.now() : undefined),
              60_000,
              50,
            );
            const ejected = await progressOf(router);
            const ejection = ejected.events.find((e) => e.instance === 'jarvis-app-2' && e.code === 'Ejected');
            assert.ok(ejection, `an Ejected event: ${JSON.stringify(ejected.events)}`);
            assert.match(ejection.detail, new RegExp(`failed ${settings.failureThreshold} rounds in a row`));
            // Load that starts once the instance is out must never meet it.
            afterEjection = startSteadyLoad(`http://127.0.0.1:${ports.nginx}/api/ping`, { concurrency: 4, maxSeconds: 300, pauseMs: 20 });
            await eventually(
              'a half-open probe of the hung instance fails and opens the breaker again',
              async () =>
                (await progressOf(router)).events.some((e) => e.instance === 'jarvis-app-2' && e.code === 'Reopened') ? true : undefined,
              30_000,
              200,
            );
            assert.equal(readRoutes()['jarvis-app-2'], 'down', 'still out while it hangs');
          } finally {
            await setFrozen('jarvis-app-2', false);
          }
          const thawedAt = Date.now();
          const backAt = await eventually(
            'jarvis-app-2 comes back at weight 1',
            async () => (readRoutes()['jarvis-app-2'] === 1 ? Date.now() : undefined),
            60_000,
            50,
          );
          const fullAt = await eventually(
            `jarvis-app-2 reaches weight ${settings.fullWeight}`,
            async () => (readRoutes()['jarvis-app-2'] === settings.fullWeight ? Date.now() : undefined),
            90_000,
            50,
          );
          // Nothing changes from here: three more rounds must not reload nginx.
          // (First let the round that wrote the full weight finish its reload.)
          const atFull = (await progressOf(router)).rounds;
          await eventually(
            'the full-weight round finishes',
            async () => ((await progressOf(router)).rounds >= atFull + 2 ? true : undefined),
            60_000,
            200,
          );
          const steady = await progressOf(router);
          const reloadsAtFull = (await nginx().readUpstreamState(SERVICE)).reloads.length;
          await eventually(
            'three more rounds',
            async () => ((await progressOf(router)).rounds >= steady.rounds + 3 ? true : undefined),
            60_000,
            200,
          );
          const recovered = await progressOf(router);
          assert.equal((await nginx().readUpstreamState(SERVICE)).reloads.length, reloadsAtFull, 'no reload while nothing changed');
          assert.ok(
            recovered.roundsUnchanged >= steady.roundsUnchanged + 3,
            `the unchanged rounds were counted (${steady.roundsUnchanged} → ${recovered.roundsUnchanged})`,
          );
          const traffic = await loadA.stop();
          const clean = await afterEjection!.stop();

          // Load: nothing sent after the ejection failed; before it, at most the requests the hung instance held.
          assert.equal(clean.failed, 0, `failed requests after the ejection: ${clean.failures.join('; ')}`);
          assert.ok(clean.ok > 100, `the load after the ejection ran (${clean.ok} requests)`);
          const heldByHungInstance = 4 * (1 + Math.floor((ejectedAt - frozenAt) / 10_000));
          assert.ok(
            traffic.failed <= heldByHungInstance,
            `at most ${heldByHungInstance} requests (the ones in flight to the hung instance) failed: ${traffic.failed}: ${traffic.failures.join('; ')}`,
          );
          assert.ok(traffic.ok > clean.ok / 2, `the first load kept succeeding after the ejection (${traffic.ok} requests)`);

          // Recovery went through half-open probes, and the weight went up in steps over the ramp period.
          const codes = recovered.events.filter((e) => e.instance === 'jarvis-app-2').map((e) => e.code);
          assert.ok(
            codes.indexOf('HalfOpen') < codes.lastIndexOf('Recovered') && codes.includes('RampDone'),
            `breaker history: ${codes.join(' → ')}`,
          );
          const weights = routeHistory(watch.changes, 'jarvis-app-2', thawedAt).map((h) => h.route);
          assert.deepEqual(weights[0], 1, `weights after the thaw: ${weights.join(' → ')}`);
          assert.deepEqual(weights.at(-1), settings.fullWeight);
          assert.ok(
            weights.every((w, i) => i === 0 || (w as number) > (weights[i - 1] as number)),
            `the weight only went up: ${weights.join(' → ')}`,
          );
          assert.ok(weights.length >= 3, `at least one step between 1 and ${settings.fullWeight}: ${weights.join(' → ')}`);
          const rampMs = fullAt - backAt;
          assert.ok(
            rampMs >= settings.rampSeconds * 1000 - settings.reloadIntervalSeconds * 1000,
            `the ramp took ${rampMs} ms, about rampSeconds (${settings.rampSeconds} s)`,
          );
          assert.ok(rampMs <= settings.rampSeconds * 1000 + 30_000, `the ramp took ${rampMs} ms`);

          // Reloads: only the router's since it started, never two within the interval; none for unchanged rounds.
          const reloads = (await nginx().readUpstreamState(SERVICE)).reloads.filter((r) => r.atMs >= routerStartedAt);
          assert.ok(
            reloads.every((r) => r.by === 'routing'),
            JSON.stringify(reloads),
          );
          const gaps = reloads.slice(1).map((r, i) => r.atMs - reloads[i].atMs);
          assert.ok(
            gaps.every((g) => g >= settings.reloadIntervalSeconds * 1000),
            `gaps between reloads (ms): ${gaps.join(', ')}`,
          );
          // Take-over, ejection, recovery and three ramp steps: six at most.
          assert.ok(reloads.length >= 4 && reloads.length <= 6, `${reloads.length} reloads`);
          const seen = watch.changes.filter((c) => c.atMs >= routerStartedAt);
          const seenGaps = seen.slice(1).map((c, i) => c.atMs - seen[i].atMs);
          assert.ok(
            seenGaps.every((g) => g >= settings.reloadIntervalSeconds * 1000 - 150),
            `the rendered file changed at gaps (ms): ${seenGaps.join(', ')}`,
          );
          assert.ok(recovered.reloadsDeferred >= 1, `the rate limit held back a ramp step (${recovered.reloadsDeferred} deferred)`);
          assert.ok(recovered.run >= 2, `the router continued as new (run ${recovered.run}) and kept its state`);
          process.stdout.write(
            `# hung at 0 ms, ejected after ${ejectedAt - frozenAt} ms; back at weight 1 ${backAt - thawedAt} ms after the thaw; full weight ${rampMs} ms later; ` +
              `${reloads.length} reloads (gaps ${gaps.join(', ')} ms), ${recovered.reloadsDeferred} deferred, ${recovered.roundsUnchanged} of ${recovered.rounds} rounds unchanged; ` +
              `load: ${traffic.ok} ok / ${traffic.failed} failed before, ${clean.ok} ok / 0 failed after the ejection\n`,
          );

          await stopRouter(router);
          assert.equal(
            existsSync(upstreamConfFile().replace(/\.conf$/, '.routing.json')),
            false,
            'cancelling the router removed its routing',
          );
          assert.deepEqual(readRoutes(), { 'jarvis-app-1': 'default', 'jarvis-app-2': 'default', 'jarvis-app-3': 'default' });
        },
        { MIN_INSTANCES: '1' },
      );
    } finally {
      watch.stop();
    }
  });

  it('shares the upstream with scaling operations: a new instance joins at weight 1 and passes scaleUp’s own check, a drained one never comes back', async () => {
    await resetPlatform(session.client);
    const taskQueue = taskQueueFor('healthRouter with scaling operations');
    const watch = watchUpstream();
    try {
      await withWorker(
        taskQueue,
        async () => {
          await session.client.workflow.execute('scaleUp', {
            taskQueue,
            workflowId: 'scale/jarvis-app',
            args: [{ service: SERVICE, count: 2, cooldownSeconds: 0 }],
          });
          const router = await session.client.workflow.start('healthRouter', {
            taskQueue,
            workflowId: ROUTER_ID,
            args: [{ service: SERVICE, ...settings, rampSeconds: 6, reloadIntervalSeconds: 1 }],
          });
          await eventually(
            'the router takes the upstream over',
            async () => (readRoutes()['jarvis-app-2'] === settings.fullWeight ? true : undefined),
            60_000,
            100,
          );

          // scaleUp's own step proves a request through nginx reaches the new instance, at weight 1.
          const joinedFrom = Date.now();
          await session.client.workflow.execute('scaleUp', {
            taskQueue,
            workflowId: 'scale/jarvis-app',
            args: [{ service: SERVICE, count: 1, cooldownSeconds: 0 }],
          });
          await eventually(
            'jarvis-app-3 ramps to full weight',
            async () => (readRoutes()['jarvis-app-3'] === settings.fullWeight ? true : undefined),
            60_000,
            100,
          );
          const joined = routeHistory(watch.changes, 'jarvis-app-3', joinedFrom).map((h) => h.route);
          assert.equal(joined.filter((r) => r !== 'absent')[0], 1, `jarvis-app-3 entered the upstream at weight 1: ${joined.join(' → ')}`);
          assert.equal(
            readRoutes()['jarvis-app-1'],
            settings.fullWeight,
            'the router kept the others’ weights through the membership change',
          );

          const drainFrom = Date.now();
          await session.client.workflow.execute('drainInstance', {
            taskQueue,
            workflowId: 'scale/jarvis-app',
            args: [{ instance: 'jarvis-app-3', cooldownSeconds: 0 }],
          });
          const roundsThen = (await progressOf(router)).rounds;
          await eventually(
            'four more router rounds',
            async () => ((await progressOf(router)).rounds >= roundsThen + 4 ? true : undefined),
            60_000,
            200,
          );
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
        },
        { MIN_INSTANCES: '1' },
      );
    } finally {
      watch.stop();
    }
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
