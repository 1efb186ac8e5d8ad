// jarvis-scale history and stats: past and running operations, read from Temporal visibility.
import { durationSeconds, outcomeOf } from '../policy/scaling/scaling-stats';
import { scalingStats } from '../read-models/scaling-stats';
import { listOperations } from '../read-models/visibility';
import { CliError, ExitCode } from './errors';
import type { Output } from './output';
import { withSession, type GlobalOptions } from './session';

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} s`;
}

/** One line of `jarvis-scale history --json`. */
export interface HistoryRow {
  workflowId: string;
  runId: string;
  type: string;
  service: string | null;
  status: string;
  outcome: string;
  startedAt: string;
  closedAt: string | null;
  durationSeconds: number | null;
  triggeredBy: string;
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
    const rows = records.map((r): HistoryRow => ({
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
