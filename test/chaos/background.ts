// The workflows that run beside every trial, on the chaos worker, as in production: the
// long-running PostgreSQL monitor pg-monitor/main (which must recover the servers a trial
// kills, through pgFailover), the long-running healthRouter health-router/jarvis-app, and
// autoscaleCheck started every few seconds by its Schedule autoscale/jarvis-app. The worker
// starts all three itself (workers/main.ts) on the chaos task queue; what an earlier run left
// on another task queue is ended first, and everything is ended after the run.
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { pgMonitorId } from '../../contracts/postgres';
import { healthRouterId } from '../../contracts/routing';
import { autoscaleScheduleId } from '../../contracts/scaling';
import { SERVICE } from '../../testkit/platform';
import { ports } from '../../testkit/ports';
import { stackSecrets } from '../../testkit/stack';
import type { InstanceBounds } from './invariants/instances';
import { broken, held, type InvariantResult } from './invariants/types';

const LONG_RUNNING = [pgMonitorId('main'), healthRouterId(SERVICE)];

/**
 * The worker's environment: the stack's secrets and ports (never in an input), tight
 * instance bounds, a slow app start so kills land mid-health-wait, and the background
 * workflows on. The autoscaler checks every 5 s but its thresholds keep it holding (an idle
 * platform would otherwise scale down, and race the trial's own scaling operation for the mutex).
 */
export function chaosWorkerEnv(bounds: InstanceBounds): Record<string, string> {
  return {
    ...stackSecrets(),
    PG_PRIMARY_PORT: String(ports.pgPrimary),
    PG_REPLICA1_PORT: String(ports.pgReplica1),
    PG_REPLICA2_PORT: String(ports.pgReplica2),
    REDIS_BASE_PORT: String(ports.redis[0]),
    MIN_INSTANCES: String(bounds.min),
    MAX_INSTANCES: String(bounds.max),
    APP_STARTUP_DELAY_MS: '2000',
    CREATE_SCHEDULES: 'true',
    AUTOSCALE_ENABLED: 'true',
    CHECK_INTERVAL: '5',
    SCALE_UP_THRESHOLD: '1',
    SCALE_DOWN_THRESHOLD: '0.001',
    HEALTH_ROUTER_ENABLED: 'true',
    PG_MONITOR_ENABLED: 'true',
  };
}

async function terminateIfRunning(client: Client, workflowId: string, why: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const status = await handle.describe().then(
    (d) => d.status.name,
    () => 'NOT FOUND',
  );
  if (status === 'RUNNING') await handle.terminate(why);
}

/** Ends the monitor and the router wherever they run, so the chaos worker starts them on its own task queue. */
export async function endBackgroundWorkflows(client: Client, why: string): Promise<void> {
  for (const id of LONG_RUNNING) await terminateIfRunning(client, id, why);
}

/** After the run: nothing of ours keeps running on a task queue nobody serves. */
export async function stopBackground(client: Client): Promise<void> {
  await endBackgroundWorkflows(client, 'chaos run finished');
  await client.schedule
    .getHandle(autoscaleScheduleId(SERVICE))
    .pause('chaos run finished: its task queue has no worker any more')
    .catch((error: Error) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
}

/** The state of each background workflow, and the autoscale Schedule's count of started checks. */
export async function backgroundState(client: Client): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const id of LONG_RUNNING) {
    state[id] = await client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name,
        () => 'NOT FOUND',
      );
  }
  state[autoscaleScheduleId(SERVICE)] = await client.schedule
    .getHandle(autoscaleScheduleId(SERVICE))
    .describe()
    .then(
      (d) => `${d.state.paused ? 'paused' : 'active'}, ${d.info.numActionsTaken} checks started`,
      () => 'NOT FOUND',
    );
  return state;
}

/** The long-running workflows outlive every kill and crash of the trial. */
export function backgroundAlive(state: Record<string, string>): InvariantResult {
  const name = 'long-running pgMonitor and healthRouter still running';
  const dead = LONG_RUNNING.filter((id) => state[id] !== 'RUNNING');
  const detail = Object.entries(state)
    .map(([id, s]) => `${id}: ${s}`)
    .join('; ');
  return dead.length ? broken(name, detail) : held(name, detail);
}
