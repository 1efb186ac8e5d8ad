// The jarvis-scale subcommands: each reads what it needs, validates with the policy schemas,
// starts the workflow under its mutex ID and follows it. main.ts wires them to commander.
import type { Client } from '@temporalio/client';
import { aggregateScalingStats, durationSeconds, outcomeOf, SCALING_OPERATION_TYPES } from '../policy/scaling/scaling-stats';
import { autoscalerStatus } from '../read-models/autoscaler-status';
import { instanceViews, readPgTopology, readRedisClusterInfo } from '../read-models/platform-view';
import { autoscaleScheduleId } from '../workers/bootstrap/schedules';
import { listOperations, OPERATION_TYPES } from '../read-models/visibility';
import { connect, cliConfig, type Session } from './connect';
import { CliError, ExitCode } from './errors';
import * as ops from './operations';
import type { Output } from './output';
import { openPlatform } from './platform';
import { clusterNodes, resolveNodeId } from './redis-nodes';
import { startOperation, watchOperation, cancelHint, type WatchOutcome } from './watch';

export interface GlobalOptions {
  json: boolean;
  taskQueue?: string;
  wait: boolean;
}

async function withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await connect(cliConfig());
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

function knownService(service: string, services: string[]): void {
  if (!services.includes(service)) {
    throw new CliError(
      `unknown service "${service}"; this stack scales: ${services.join(', ')}`,
      ExitCode.usage,
      'name one of those services, or add it to SERVICES',
    );
  }
}

/** Starts the operation, follows it unless --no-wait, and prints the outcome. */
async function runOperation(session: Session, g: GlobalOptions, out: Output, op: ops.OperationStart): Promise<void> {
  const taskQueue = g.taskQueue ?? session.config.taskQueue;
  const handle = await startOperation(session.client, taskQueue, op);
  out.line(`started ${op.workflowType} as workflow ${handle.workflowId} (task queue ${taskQueue})`);
  if (!g.wait) {
    out.result(
      {
        ok: true,
        state: 'started',
        workflowId: handle.workflowId,
        runId: handle.firstExecutionRunId,
        workflowType: op.workflowType,
        input: op.input,
      },
      () =>
        `follow it with: jarvis-scale status, or temporal workflow query --workflow-id ${handle.workflowId} --type progress\ncancel it with: ${cancelHint(handle.workflowId)}`,
    );
    return;
  }
  const outcome: WatchOutcome = await watchOperation(handle, out);
  out.result({ ok: true, workflowType: op.workflowType, input: op.input, ...outcome }, () => {
    if (outcome.state === 'detached') return `still running: ${handle.workflowId}`;
    if (outcome.state === 'paused')
      return `paused: ${handle.workflowId} waits; go on with \`jarvis-scale rollout resume ${op.service}\` or roll back with \`jarvis-scale rollout abort ${op.service}\``;
    if (outcome.state === 'cooldown')
      return `done; ${handle.workflowId} now holds the ${op.service} scaling lock through its cooldown (cancel it to end the cooldown early: ${cancelHint(handle.workflowId)})`;
    return `done: ${JSON.stringify(outcome.result)}`;
  });
}

/** `scale --to N` starts scaleTo: it counts, checks the bounds and decides inside the scale/<service> mutex. */
export async function scaleCommand(
  g: GlobalOptions,
  out: Output,
  service: string,
  to: number,
  o: { cooldown?: number; drainTimeout?: number },
): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const op = ops.scaleToStart(service, to, { cooldownSeconds: o.cooldown, drainTimeoutSeconds: o.drainTimeout });
    await runOperation(session, g, out, op);
  });
}

export async function simpleOperation(
  g: GlobalOptions,
  out: Output,
  build: (session: Session) => Promise<ops.OperationStart> | ops.OperationStart,
): Promise<void> {
  // Validation that needs no server runs before connecting, so bad input never waits on Temporal.
  await withSession(async (session) => runOperation(session, g, out, await build(session)));
}

export async function rolloutSignal(
  _g: GlobalOptions,
  out: Output,
  action: 'pause' | 'resume' | 'abort',
  service: string,
  reason?: string,
): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const workflowId = `scale/${service}`;
    const handle = session.client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch {
      description = undefined;
    }
    if (!description || description.status.name !== 'RUNNING' || description.type !== 'rollingUpdate') {
      throw new CliError(
        `no rolling update of ${service} is running (${workflowId} is ${description ? `${description.type}, ${description.status.name}` : 'not found'})`,
        ExitCode.failed,
        `start one with: jarvis-scale rollout ${service} --version V`,
      );
    }
    if (action === 'abort') await handle.signal('abort', reason ?? 'aborted from jarvis-scale');
    else await handle.signal(action);
    out.result({ ok: true, signal: action, workflowId }, () => `sent ${action} to ${workflowId}`);
  });
}

export async function cancelCommand(_g: GlobalOptions, out: Output, workflowId: string): Promise<void> {
  await withSession(async (session) => {
    const handle = session.client.workflow.getHandle(workflowId);
    try {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING')
        throw new CliError(`${workflowId} is not running (${d.status.name})`, ExitCode.failed, 'list what runs with: jarvis-scale status');
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`no workflow ${workflowId}`, ExitCode.usage, 'list what runs with: jarvis-scale status');
    }
    await handle.cancel();
    out.result({ ok: true, cancelled: workflowId }, () => `cancellation requested for ${workflowId}; it undoes what it must and stops`);
  });
}

export async function autoscaleCommand(_g: GlobalOptions, out: Output, action: 'pause' | 'resume', service: string): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const handle = session.client.schedule.getHandle(autoscaleScheduleId(service));
    const note = `${action === 'pause' ? 'paused' : 'resumed'} with jarvis-scale at ${new Date().toISOString()}`;
    try {
      if (action === 'pause') await handle.pause(note);
      else await handle.unpause(note);
    } catch (error) {
      if ((error as Error).name === 'ScheduleNotFoundError') {
        throw new CliError(
          `the schedule ${autoscaleScheduleId(service)} does not exist`,
          ExitCode.failed,
          'start the worker (it creates the schedule): bash infra/local/worker.sh start',
        );
      }
      throw error;
    }
    const d = await handle.describe();
    out.result(
      { ok: true, scheduleId: handle.scheduleId, paused: d.state.paused, note: d.state.note ?? null },
      () => `${handle.scheduleId}: ${d.state.paused ? 'paused' : 'running'}`,
    );
  });
}

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} s`;
}

export async function historyCommand(_g: GlobalOptions, out: Output, o: { service?: string; limit: number }): Promise<void> {
  if (!Number.isInteger(o.limit) || o.limit < 1)
    throw new CliError(
      `--limit must be a whole number of at least 1, got ${o.limit}`,
      ExitCode.usage,
      'for example: jarvis-scale history --limit 20',
    );
  await withSession(async (session) => {
    const records = await listOperations(session.client, { service: o.service, limit: o.limit });
    const rows = records.map((r) => ({
      workflowId: r.workflowId,
      runId: r.runId,
      type: r.type,
      service: r.service ?? null,
      status: r.status,
      outcome: outcomeOf(r.status),
      startedAt: new Date(r.startMs).toISOString(),
      closedAt: r.closeMs === undefined ? null : new Date(r.closeMs).toISOString(),
      durationSeconds: durationSeconds(r) ?? null,
      triggeredBy: r.parentWorkflowId ?? 'operator',
    }));
    out.result({ ok: true, operations: rows }, () =>
      rows.length
        ? rows
            .map(
              (r) =>
                `${r.startedAt}  ${r.type.padEnd(15)} ${String(r.service).padEnd(14)} ${r.outcome.padEnd(9)} ${seconds(r.durationSeconds ?? undefined).padStart(9)}  ${r.workflowId}  ${r.runId}`,
            )
            .join('\n')
        : 'no operations yet',
    );
  });
}

export async function scalingStats(client: Client, service?: string) {
  const records = await listOperations(client, { service, types: SCALING_OPERATION_TYPES });
  return aggregateScalingStats(records, Date.now());
}

export async function statsCommand(_g: GlobalOptions, out: Output, o: { service?: string }): Promise<void> {
  await withSession(async (session) => {
    const stats = await scalingStats(session.client, o.service);
    out.result({ ok: true, ...stats }, () =>
      [
        `totalScaleUps         ${stats.totalScaleUps}`,
        `totalScaleDowns       ${stats.totalScaleDowns}`,
        `failedScaleOps        ${stats.failedScaleOps}`,
        `averageScaleDuration  ${stats.averageScaleDuration === null ? '-' : `${stats.averageScaleDuration} s`}`,
        `lastScaleEvent        ${stats.lastScaleEvent ? `${stats.lastScaleEvent.type} ${stats.lastScaleEvent.outcome} at ${stats.lastScaleEvent.at} (${stats.lastScaleEvent.workflowId})` : '-'}`,
        `uptimePercent         ${stats.uptimePercent}`,
      ].join('\n'),
    );
  });
}

export async function statusCommand(_g: GlobalOptions, out: Output, o: { service?: string }): Promise<void> {
  await withSession(async (session) => {
    const { config, client } = session;
    const services = o.service ? [o.service] : config.services;
    const platform = await openPlatform(config);
    try {
      const redis = (() => {
        try {
          return platform.clients.cluster();
        } catch {
          return undefined;
        }
      })();
      const serviceViews = [];
      for (const service of services) {
        const view = await instanceViews(platform.orchestrator, redis, service, { probe: true });
        const autoscaler = await autoscalerStatus(client, service, 1);
        serviceViews.push({
          service,
          ...view,
          autoscaler: {
            scheduleId: autoscaler.scheduleId,
            exists: autoscaler.exists,
            paused: autoscaler.paused,
            lastCheck: autoscaler.lastChecks[0] ?? null,
          },
        });
      }
      const running = await listOperations(client, { running: true, types: OPERATION_TYPES });
      const operations = await Promise.all(
        running.map(async (r) => ({
          workflowId: r.workflowId,
          type: r.type,
          service: r.service ?? null,
          startedAt: new Date(r.startMs).toISOString(),
          progress: await client.workflow
            .getHandle(r.workflowId)
            .query('progress')
            .catch(() => null),
        })),
      );
      const pgTopology = await readPgTopology(redis);
      const redisCluster = await readRedisClusterInfo(redis);
      const nodes = redis ? await clusterNodes(redis).catch(() => []) : [];
      const result = {
        ok: true,
        orchestrator: platform.driver,
        services: serviceViews,
        operations,
        pgTopology,
        redisCluster,
        redisNodes: nodes.map((n) => ({
          id: n.id,
          address: n.address,
          role: n.flags.includes('master') ? 'master' : 'replica',
          slots: n.slots.join(' '),
        })),
      };
      out.result(result, () => renderStatus(result));
    } finally {
      await platform.close();
    }
  });
}

function renderStatus(s: any): string {
  const lines: string[] = [`orchestrator: ${s.orchestrator}`];
  for (const v of s.services) {
    lines.push(
      `\n${v.service}: ${v.instances.length} instance(s); autoscale ${v.autoscaler.exists ? (v.autoscaler.paused ? 'paused' : 'running') : 'no schedule'}`,
    );
    for (const i of v.instances) {
      lines.push(
        `  ${i.name.padEnd(16)} :${i.port}  ${i.version.padEnd(6)} ${(i.registryStatus ?? 'unregistered').padEnd(12)} health ${i.health ? (i.health.healthy ? 'ok' : `FAIL ${i.health.status ?? i.health.error}`) : '-'}  cpu ${i.cpuPercent ?? '-'}%  conns ${i.activeConnections ?? '-'}`,
      );
    }
    if (v.registryError) lines.push(`  registry unreadable: ${v.registryError}`);
    const c = v.autoscaler.lastCheck;
    if (c)
      lines.push(
        `  last autoscale check ${c.startedAt}: ${c.action ?? c.status}${c.reason ? ` (${c.reason})` : ''}${c.skipped ? `, skipped: ${c.skipped}` : ''}`,
      );
  }
  lines.push('\noperations running now:');
  if (!s.operations.length) lines.push('  none');
  for (const op of s.operations)
    lines.push(`  ${op.workflowId} ${op.type} since ${op.startedAt}${op.progress ? `: [${op.progress.step}] ${op.progress.detail}` : ''}`);
  lines.push(`\nPostgreSQL topology: ${s.pgTopology === null ? 'not published yet' : JSON.stringify(s.pgTopology)}`);
  const rc = s.redisCluster;
  lines.push(
    `Redis Cluster: ${rc.error ? `unreachable (${rc.error})` : `${rc.cluster_state}, slots ok ${rc.cluster_slots_ok}/16384, pfail ${rc.cluster_slots_pfail}, fail ${rc.cluster_slots_fail}, ${rc.cluster_known_nodes} nodes`}`,
  );
  for (const n of s.redisNodes) lines.push(`  ${n.id} ${n.address} ${n.role} ${n.slots}`);
  return lines.join('\n');
}

export { resolveNodeId };
