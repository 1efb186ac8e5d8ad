import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  adminHeaders,
  cleanUpInstances,
  eventually,
  nginxUrl,
  removeFromNginx,
  startInstancesBehindNginx,
  startReadyInstances,
} from '../../testkit/app-instances';
import { startSteadyLoad } from '../../testkit/load';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logLines(output: string): { msg: string; [k: string]: unknown }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });
}

describe('graceful shutdown under load through nginx', () => {
  after(cleanUpInstances);

  it('loses no request when one instance gets SIGTERM and another is drained first, and finishes slow requests in flight', async () => {
    const [, two, three] = await startInstancesBehindNginx([1, 2, 3]);

    // A browser-like client: a GET whose reused keep-alive connection an nginx reload closed
    // before any answer is sent again (see startSteadyLoad); anything else counts as failed.
    const loadStarted = Date.now();
    const load = startSteadyLoad(`${nginxUrl}/api/ping`, { concurrency: 16, maxSeconds: 20 });
    await sleep(1_500);

    // Slow requests in flight on instance two when SIGTERM arrives, while it is still in nginx.
    const slow = [1, 2, 3].map(() =>
      fetch(`${two.url}/api/slow?ms=2500`).then(async (r) => ({ status: r.status, body: (await r.json()) as { sleptMs: number } })),
    );
    await sleep(300);
    const sigtermAt = Date.now();
    two.child.kill('SIGTERM');
    await eventually(
      'the SIGTERMed instance refusing new connections',
      () =>
        fetch(`${two.url}/api/ping`, { headers: { connection: 'close' } }).then(
          async (r) => void (await r.arrayBuffer()),
          () => true,
        ),
      2_000,
      20,
    );
    const slowAnswers = await Promise.all(slow);
    assert.deepEqual(
      slowAnswers.map((a) => a.status),
      [200, 200, 200],
      'in-flight slow requests complete',
    );
    assert.deepEqual(await two.exited, { code: 0, signal: null });
    const stoppedAfter = Date.now() - sigtermAt;
    assert.ok(stoppedAfter >= 2_000, `it waited for the slow requests (${stoppedAfter} ms)`);

    // The control plane's way: drain, take it out of nginx, wait for its connections to go, SIGTERM.
    const drain = await fetch(`${three.url}/api/admin/drain`, { method: 'POST', headers: adminHeaders() });
    assert.equal(drain.status, 202);
    assert.equal((await fetch(`${three.url}/api/health`)).status, 503);
    await removeFromNginx(three);
    await eventually(
      'the drained instance’s connections closing',
      async () => {
        const status = (await (
          await fetch(`${three.url}/api/admin/status`, { headers: { ...adminHeaders(), connection: 'close' } })
        ).json()) as { activeConnections: number };
        return status.activeConnections <= 1 ? true : undefined; // the status request's own connection
      },
      10_000,
      200,
    );
    three.child.kill('SIGTERM');
    assert.deepEqual(await three.exited, { code: 0, signal: null });

    await sleep(Math.max(0, 8_000 - (Date.now() - loadStarted)));
    const result = await load.stop();
    console.log(
      `shutdown under load: ${result.ok} requests answered 200, ${result.failed} failed, ${result.retriedStaleConnections} resent after a reload closed an idle keep-alive connection`,
    );
    assert.ok(result.ok > 1_000, `steady load ran (${result.ok} requests)`);
    assert.equal(result.failed, 0, `no failed request: ${result.failures.join('; ')}`);

    // The order: draining, server closed, sessions, locks, pools, deregister, exit 0.
    const steps = logLines(two.output()).map((l) => l.msg);
    const order = [
      'draining: readiness fails from now on; in-flight and keep-alive requests are still served',
      'server closed: every in-flight request answered',
      'shutdown step done: flush sessions',
      'shutdown step done: release locks',
      'shutdown step done: close database and Redis pools',
      'shutdown step done: deregister',
      'shutdown complete; exiting 0',
    ];
    const positions = order.map((m) => steps.indexOf(m));
    assert.ok(
      positions.every((p, k) => p >= 0 && (k === 0 || p > positions[k - 1])),
      `shutdown steps in order: ${JSON.stringify(steps)}`,
    );
  });

  it('exits at the deadline and logs what it cut off', async () => {
    const [slowpoke] = await startReadyInstances([5], { SHUTDOWN_DEADLINE_MS: '700' });
    const inFlight = fetch(`${slowpoke.url}/api/slow?ms=10000`).then(
      (r) => `HTTP ${r.status}`,
      () => 'cut off',
    );
    await sleep(200);
    const sigtermAt = Date.now();
    slowpoke.child.kill('SIGTERM');
    const exit = await slowpoke.exited;
    const tookMs = Date.now() - sigtermAt;
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.ok(tookMs >= 650 && tookMs < 3_000, `exited at the 700 ms deadline (${tookMs} ms)`);
    assert.equal(await inFlight, 'cut off');
    const cut = logLines(slowpoke.output()).find((l) => l.msg === 'shutdown deadline passed; exiting anyway');
    assert.ok(cut, slowpoke.output());
    assert.equal(cut.cutOff, 'closing the server');
    assert.equal(cut.inFlightRequests, 1);
    assert.deepEqual(cut.remainingSteps, ['flush sessions', 'release locks', 'close database and Redis pools', 'deregister']);
  });
});
