// Past and running operations, read from Temporal's visibility store. The CLI's history and
// stats, the admin API and the worker's scaling metrics all read them here, so no counter
// of ours can drift from what Temporal holds.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { OperationRecord, OperationStatus } from '../policy/scaling/scaling-stats';
import { OperationKey, ServiceKey } from '../contracts/common/search-attributes';
import { serviceOfAutoscaleCheck } from '../contracts/scaling';

/** Every operation type that runs under a mutex workflow ID. */
export const OPERATION_TYPES = [
  'scaleTo',
  'scaleUp',
  'scaleDown',
  'drainInstance',
  'rollingUpdate',
  'pgFailover',
  'pgSwitchover',
  'redisReshard',
  'redisRebalance',
  'redisAddNode',
  'redisRemoveNode',
  'redisFailover',
  'redisFix',
] as const;

/** The mutex prefixes: a run under another ID only hands over to the one under the mutex, so it is not counted twice. */
const MUTEX_PREFIXES = ['scale/', 'pg-failover/', 'redis-topology/'];

export interface OperationRecordWithRun extends OperationRecord {
  runId: string;
  operation?: string;
  /** The workflow that started it, such as autoscale-check/jarvis-app for an autoscale decision. */
  parentWorkflowId?: string;
}

/**
 * A scaleTo that acted continued as the scaleUp or scaleDown that follows it under the same
 * ID, which is the operation; one that completed as itself found the service at its target
 * and changed nothing. Only a running or refused scaleTo is an operation of its own. Without
 * this, each `jarvis-scale scale --to` would list twice, and no-ops would push real
 * operations out of `history --limit N`.
 */
export function listsAsOperation(record: Pick<OperationRecordWithRun, 'type' | 'status'>): boolean {
  return !(record.type === 'scaleTo' && (record.status === 'CONTINUED_AS_NEW' || record.status === 'COMPLETED'));
}

export function toRecord(info: WorkflowExecutionInfo): OperationRecordWithRun {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    service: info.typedSearchAttributes.get(ServiceKey),
    operation: info.typedSearchAttributes.get(OperationKey),
    status: info.status.name as OperationStatus,
    startMs: info.startTime.getTime(),
    closeMs: info.closeTime?.getTime(),
    parentWorkflowId: info.parentExecution?.workflowId ?? undefined,
  };
}

export interface OperationQuery {
  service?: string;
  types?: readonly string[];
  running?: boolean;
  /** Stop after this many (newest first). */
  limit?: number;
}

/** A visibility query; values are quoted, and service names are checked by the caller's schema. */
export function visibilityQuery(q: OperationQuery): string {
  const types = (q.types ?? OPERATION_TYPES).map((t) => JSON.stringify(t)).join(', ');
  const parts = [`WorkflowType IN (${types})`];
  if (q.service) parts.push(`Service = ${JSON.stringify(q.service)}`);
  if (q.running !== undefined) parts.push(q.running ? 'ExecutionStatus = "Running"' : 'ExecutionStatus != "Running"');
  return parts.join(' AND ');
}

export async function listOperations(client: Client, q: OperationQuery = {}): Promise<OperationRecordWithRun[]> {
  const limit = q.limit ?? 10_000;
  const records: OperationRecordWithRun[] = [];
  for await (const info of client.workflow.list({ query: visibilityQuery(q) })) {
    if (!MUTEX_PREFIXES.some((p) => info.workflowId.startsWith(p))) continue;
    const record = toRecord(info);
    if (!listsAsOperation(record)) continue;
    records.push(record);
    if (records.length >= limit) break;
  }
  return records.sort((a, b) => b.startMs - a.startMs);
}

/** Scale operations an autoscale check started, by direction; read from the parent link in visibility. */
export function autoscaleTriggers(records: OperationRecordWithRun[]): Array<{ service: string; direction: 'up' | 'down'; count: number }> {
  const counts = new Map<string, number>();
  for (const r of records) {
    const checked = r.parentWorkflowId === undefined ? undefined : serviceOfAutoscaleCheck(r.parentWorkflowId);
    if (checked === undefined) continue;
    if (r.type !== 'scaleUp' && r.type !== 'scaleDown') continue;
    const key = `${r.service ?? checked}|${r.type === 'scaleUp' ? 'up' : 'down'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => {
    const [service, direction] = key.split('|');
    return { service, direction: direction as 'up' | 'down', count };
  });
}
