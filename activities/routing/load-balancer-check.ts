// Proves that a request through the load balancer reaches a given instance.
import { Context } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/errors';

export interface ServedCheckRequest {
  name: string;
  url: string;
  deadlineEpochMs: number;
}

export async function checkServedThroughLoadBalancer(request: ServedCheckRequest): Promise<{ requests: number }> {
  const ctx = Context.current();
  const seen = new Set<string>();
  for (let requests = 1; ; requests++) {
    try {
      const res = await fetch(request.url, { signal: AbortSignal.timeout(2_000), headers: { connection: 'close' } });
      await res.arrayBuffer();
      const instance = res.headers.get('x-instance-id');
      if (instance === request.name) return { requests };
      if (instance) seen.add(instance);
    } catch {
      // The reload may still be under way; the deadline bounds the retries.
    }
    ctx.heartbeat({ requests, seen: [...seen] });
    if (Date.now() > request.deadlineEpochMs) {
      throw permanentFailure(
        FailureType.NotServedThroughLoadBalancer,
        `no request through ${request.url} reached ${request.name} in ${requests} tries; answers came from: ${[...seen].join(', ') || 'nobody'}`,
      );
    }
    await ctx.sleep(50);
  }
}
