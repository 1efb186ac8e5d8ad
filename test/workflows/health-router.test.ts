// The health router against the real stack: a hung instance (SIGSTOP) under steady load
// through nginx is ejected after N failed rounds, half-open probes bring it back, its
// weight ramps up, and reloads keep to the rate limit. How it shares the upstream with
// scaling operations is in health-router-shared-upstream.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually } from '../../testkit/app-instances';
import { startSteadyLoad } from '../../testkit/load';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { scaleUpNow } from '../../testkit/scaling';
import { readRoutes, routeHistory, setFrozen, upstreamRoutingFile } from '../../testkit/upstream';
import { usePlatformSession } from '../../testkit/temporal-session';
import {
  nginx,
  progressOf,
  roundsPass,
  withRouterWorker,
  routerSettings as settings,
  sleep,
  startRouter,
  stopRouter,
} from './health-router-kit';

describe('the health router against the real stack', () => {
  const session = usePlatformSession();

  it('ejects a hung instance after N failed rounds under load, brings it back by half-open probes, ramps its weight, and rate-limits reloads', async () => {
    await withRouterWorker('healthRouter eject and recover', async (taskQueue, watch) => {
      await scaleUpNow(session.client, taskQueue, 3);
      const routerStartedAt = Date.now();
      const router = await startRouter(session.client, taskQueue);
      await eventually(
        'the router takes the upstream over at full weight',
        async () =>
          Object.values(readRoutes()).every((r) => r === settings.fullWeight) && Object.keys(readRoutes()).length === 3 ? true : undefined,
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
      await roundsPass(router, atFull, 2, 'the full-weight round finishes');
      const steady = await progressOf(router);
      const reloadsAtFull = (await nginx().readUpstreamState(SERVICE)).reloads.length;
      await roundsPass(router, steady.rounds, 3, 'three more rounds');
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
      assert.equal(existsSync(upstreamRoutingFile()), false, 'cancelling the router removed its routing');
      assert.deepEqual(readRoutes(), { 'jarvis-app-1': 'default', 'jarvis-app-2': 'default', 'jarvis-app-3': 'default' });
    });
  });
});
