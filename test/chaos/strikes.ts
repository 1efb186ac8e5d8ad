// The chaos strikes of one trial, at their planned moments after the operation started:
// worker SIGKILLs (a new worker after the planned delay), Temporal server crashes, and
// machine crashes (server and worker together), each recorded with what was running.
import type { Client } from '@temporalio/client';
import type { TrialPlan } from './plan';
import type { KillRecord, ServerRestartRecord } from './report';
import { sleep } from './invariants/types';
import { crashTemporalServer } from './temporal-server';
import type { WorkerSupervisor } from './worker-supervisor';

/** The workflow's status and the activities it is running at this moment: where the chaos struck. */
export async function workflowStatus(client: Client, workflowId: string): Promise<{ status: string; activities: string[] }> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => ({ status: d.status.name, activities: (d.raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '?') }),
      () => ({ status: 'UNREACHABLE', activities: [] }),
    );
}

type ChaosEvent =
  { kind: 'kill'; atMs: number; respawnDelayMs: number } | { kind: 'server-crash'; atMs: number } | { kind: 'machine-crash'; atMs: number };

function eventsOf(plan: TrialPlan): ChaosEvent[] {
  const events: ChaosEvent[] = plan.killAtMs.map((atMs, i) => ({
    kind: 'kill' as const,
    atMs,
    respawnDelayMs: plan.respawnDelayMs[i] ?? 0,
  }));
  if (plan.serverRestartAtMs !== undefined) events.push({ kind: 'server-crash', atMs: plan.serverRestartAtMs });
  if (plan.machineCrashAtMs !== undefined) events.push({ kind: 'machine-crash', atMs: plan.machineCrashAtMs });
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** Kills the worker and restarts the Temporal server at the planned moments after the operation started. */
export async function strikeAsPlanned(
  client: Client,
  worker: WorkerSupervisor,
  plan: TrialPlan,
  workflowId: string,
  opStart: number,
): Promise<{ kills: KillRecord[]; serverRestarts: ServerRestartRecord[] }> {
  const kills: KillRecord[] = [];
  const serverRestarts: ServerRestartRecord[] = [];
  for (const event of eventsOf(plan)) {
    const wait = opStart + event.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    const atMs = Date.now() - opStart;
    const { status, activities } = await workflowStatus(client, workflowId);
    if (event.kind === 'kill') {
      const killed = await worker.sigkill();
      await sleep(event.respawnDelayMs);
      await worker.ensureRunning();
      kills.push({
        plannedAtMs: event.atMs,
        atMs,
        workflowStatus: status,
        pendingActivities: activities,
        killed,
        respawnDelayMs: event.respawnDelayMs,
      });
    } else {
      const machine = event.kind === 'machine-crash';
      let workerKilled = false;
      const restart = await crashTemporalServer(1_000, async () => {
        if (machine) workerKilled = await worker.sigkill();
      });
      await worker.ensureRunning();
      const record = { kind: event.kind, plannedAtMs: event.atMs, atMs, workflowStatus: status, pendingActivities: activities, ...restart };
      serverRestarts.push(machine ? { ...record, workerKilled } : record);
    }
  }
  return { kills, serverRestarts };
}
