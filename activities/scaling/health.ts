// Waits for an instance's readiness endpoint. Long-running: it heartbeats every poll
// and resumes its attempt count from the last heartbeat after a worker crash.
import { Context } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/errors';

export interface WaitForHealthyRequest {
  name: string;
  url: string;
  /** An absolute deadline, fixed by the workflow, so that a retried activity does not restart the clock. */
  deadlineEpochMs: number;
  pollIntervalMs: number;
}

export interface HealthProgress {
  attempts: number;
  lastAnswer: string;
}

export interface WaitForHealthyResult extends HealthProgress {
  healthyAfterMs: number;
}

async function probe(url: string, timeoutMs: number): Promise<{ ok: boolean; answer: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { ok: res.status === 200, answer: `HTTP ${res.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, answer: cause ?? (error as Error).name };
  }
}

export async function waitForHealthy(request: WaitForHealthyRequest): Promise<WaitForHealthyResult> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as HealthProgress | undefined;
  const progress: HealthProgress = { attempts: resumed?.attempts ?? 0, lastAnswer: resumed?.lastAnswer ?? 'not probed yet' };
  const startedAt = Date.now();
  for (;;) {
    progress.attempts += 1;
    const result = await probe(request.url, Math.max(200, request.pollIntervalMs));
    progress.lastAnswer = result.answer;
    ctx.heartbeat(progress);
    if (result.ok) return { ...progress, healthyAfterMs: Date.now() - startedAt };
    if (Date.now() + request.pollIntervalMs > request.deadlineEpochMs) {
      throw permanentFailure(
        FailureType.InstanceUnhealthy,
        `no healthy answer from ${request.url}; last answer: ${progress.lastAnswer} after ${progress.attempts} probes`,
        progress,
      );
    }
    await ctx.sleep(request.pollIntervalMs); // rejects when the activity is cancelled
  }
}
