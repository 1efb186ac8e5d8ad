// Scale events (scaleUp, drainInstance, rollingUpdate) under open-loop GET+POST load with no client retry: 0 failed requests.
// The test puts HAProxy (LOAD_BALANCER=haproxy, changed through its runtime API, no reload) on
// the stack's load-balancer port and puts nginx back afterwards. With nginx a reload closes
// idle keep-alive connections, and POSTs that meet one fail: run with JARVIS_LB_UNDER_TEST=nginx
// to see the fault this test catches (it failed there with 4 POSTs of 10,522; docs/benchmarks.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startScaleMix } from '../../testkit/bench/scale-mix';
import { summarize } from '../../testkit/bench/vegeta-summary';
import { switchLoadBalancer, type LoadBalancerKind } from '../../testkit/bench/lb-switch';

import { SERVICE, upstreamMembers } from '../../testkit/platform';
import { hosts, ports } from '../../testkit/ports';
import { scaleUpNow, startUnderScaleMutex } from '../../testkit/scaling';
import { taskQueueFor, testWorkerConfig } from '../../testkit/stack';
import { usePlatformSession } from '../../testkit/temporal-session';
import { withWorkerEnv } from '../../testkit/workers';

const env = { MIN_INSTANCES: '1' };
// Each cycle is a scaleUp and a drainInstance: two membership changes (on nginx, two reloads).
// Whether a reload meets a request on an idle connection is chance; three cycles and a rolling
// update make a miss on nginx unlikely (the bench saw about one failed POST per two reloads at 300 req/s).
const CYCLES = 3;
const UNDER_TEST = (process.env.JARVIS_LB_UNDER_TEST ?? 'haproxy') as LoadBalancerKind;

describe(`scale events on ${UNDER_TEST} under an open-loop GET+POST mix`, () => {
  const session = usePlatformSession({ resetBeforeEach: true });
  before(() => switchLoadBalancer(UNDER_TEST));
  after(() => switchLoadBalancer('nginx'));

  it('scaleUp and drainInstance three times, then a rollingUpdate, fail no request of a client that does not retry', async () => {
    const taskQueue = taskQueueFor('lb scale events');
    await withWorkerEnv(taskQueue, env, async () => {
      await scaleUpNow(session.client, taskQueue, 2);
      const mix = await startScaleMix({ baseUrl: `http://${hosts.nginx}:${ports.nginx}`, ratePerSecond: 300, maxSeconds: 90 });
      // Idle keep-alive connections are what a reload closes: let the pool fill first.
      await new Promise((r) => setTimeout(r, 2_000));
      const removed: string[] = [];
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        await scaleUpNow(session.client, taskQueue, 1);
        const oldest = (await upstreamMembers())[0].name;
        const drain = await startUnderScaleMutex(session.client, taskQueue, 'drainInstance', { instance: oldest });
        removed.push(...((await drain.result()) as { removed: string[] }).removed.filter((name) => name === oldest));
      }
      // A rolling update: two more instances in and two out, four more changes in quick succession.
      await session.client.workflow.execute('rollingUpdate', {
        taskQueue,
        workflowId: `lb-rollout-${Date.now()}`,
        args: [{ service: SERVICE, version: 'v-lb' }],
      });
      await new Promise((r) => setTimeout(r, 1_000));
      const summary = summarize(await mix.stop());
      process.stdout.write(`# ${testWorkerConfig().loadBalancer}: ${JSON.stringify(summary)}\n`);
      assert.equal(removed.length, CYCLES, 'every drain removed the instance it was given');
      assert.ok(summary.requests > 300, `the load ran (${summary.requests} requests)`);
      assert.equal(
        summary.failed,
        0,
        `failed requests (${summary.failedPosts} POST, ${summary.failedGets} GET): ${JSON.stringify(summary.causes)}`,
      );
    });
  });
});
