// The steps that bring one instance into service and take one out, shared by scaleUp,
// scaleDown, drainInstance and rollingUpdate. Each step is one idempotent activity.
import { ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { ServiceSpec } from '../../contracts/scaling';
import { FailureType } from '../../contracts/common/failure-types';
import type { PlannedInstance } from '../../policy/scaling/instance-plan';
import { bounded, longWait, quick } from '../common/activity-options';

export type Report = (step: string, detail: string) => void;

/** Start → healthy (or removed) → in nginx → proven reachable through nginx. */
export async function bringUpInstance(
  spec: ServiceSpec,
  instance: PlannedInstance,
  version: string,
  healthTimeoutSeconds: number,
  report: Report,
): Promise<void> {
  report('start', `starting ${instance.name} (${version}) on port ${instance.port}`);
  const started = await quick.ensureInstanceStarted({ service: spec.service, name: instance.name, port: instance.port, version });
  // The driver reports where the instance is reached; a result recorded before it did (an old history) means 127.0.0.1.
  const host: string | undefined = (started as { host?: string }).host;

  report('health-wait', `waiting for ${instance.name} to become healthy (up to ${healthTimeoutSeconds} s)`);
  await waitHealthyOrRemove(instance.name, `http://${host ?? '127.0.0.1'}:${instance.port}${spec.healthPath}`, healthTimeoutSeconds);

  report('load-balancer', `adding ${instance.name} to the nginx upstream`);
  const upstream = await quick.ensureUpstreamMember(spec.service, { name: instance.name, ...(host ? { host } : {}), port: instance.port });
  await quick.syncScrapeTargets(spec.service, upstream.members);
  await quick.checkServedThroughLoadBalancer({ name: instance.name, url: spec.loadBalancerUrl, deadlineEpochMs: Date.now() + 15_000 });
}

async function waitHealthyOrRemove(name: string, url: string, timeoutSeconds: number): Promise<void> {
  // The deadline is fixed here, in workflow time, so a retried activity keeps the same one.
  const deadlineEpochMs = Date.now() + timeoutSeconds * 1000;
  try {
    // A 100 ms poll: its delay is part of every scale-up's reaction time (bench/scale-reaction.ts).
    await longWait(timeoutSeconds).waitForHealthy({ name, url, deadlineEpochMs, pollIntervalMs: 100 });
  } catch (error) {
    // Cancelled or unhealthy, the instance never joined nginx: remove it, even on cancel.
    await CancellationScope.nonCancellable(() => quick.removeInstance(name));
    if (isCancellation(error)) throw error; // a cancel is reported as cancelled, not as InstanceUnhealthy
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw ApplicationFailure.create({
      type: FailureType.InstanceUnhealthy,
      message: `${name} did not become healthy within ${timeoutSeconds} s and was removed: ${cause}`,
      nonRetryable: true,
    });
  }
}

export interface DrainOutcome {
  name: string;
  drained: boolean;
  activeConnectionsLeft: number;
  forcedStop: boolean;
}

/**
 * Draining → out of nginx → connections at zero (or the drain deadline) → SIGTERM and a
 * clean exit → removed. Requests in flight finish; new ones go to the other instances.
 */
export async function drainAndRemove(
  spec: ServiceSpec,
  instance: { name: string; host?: string; port: number },
  drainTimeoutSeconds: number,
  shutdownGraceSeconds: number,
  report: Report,
): Promise<DrainOutcome> {
  report('drain', `marking ${instance.name} draining`);
  await quick.requestDrain(instance);

  report('load-balancer', `taking ${instance.name} out of the nginx upstream`);
  const upstream = await quick.removeUpstreamMember(spec.service, instance.name);
  await quick.syncScrapeTargets(spec.service, upstream.members);

  report('drain-wait', `waiting for ${instance.name}'s connections to close (up to ${drainTimeoutSeconds} s)`);
  const deadlineEpochMs = Date.now() + drainTimeoutSeconds * 1000;
  let drain: { drained: boolean; activeConnections: number };
  try {
    drain = await longWait(drainTimeoutSeconds).waitForConnectionsDrained({ ...instance, deadlineEpochMs });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // A draining instance cannot be put back (its readiness stays failed), so a cancelled
    // drain still ends with it stopped gracefully and removed: no orphan outside nginx.
    await CancellationScope.nonCancellable(() => stopAndRemove(instance.name, shutdownGraceSeconds, report));
    throw error;
  }
  const stop = await stopAndRemove(instance.name, shutdownGraceSeconds, report);
  return { name: instance.name, drained: drain.drained, activeConnectionsLeft: drain.activeConnections, forcedStop: stop.forced };
}

async function stopAndRemove(name: string, shutdownGraceSeconds: number, report: Report): Promise<{ forced: boolean }> {
  report('stop', `stopping ${name} with SIGTERM (grace ${shutdownGraceSeconds} s)`);
  const stop = await bounded(shutdownGraceSeconds).stopInstance(name, shutdownGraceSeconds);
  await quick.removeInstance(name);
  return stop;
}
