// Each CLI operation as what it starts: the workflow type, its input (the exact shape the
// workflow's policy schema accepts), the mutex workflow ID and the search attributes.
// Inputs are validated with the same policy parsers the workflows use, before anything starts.
import path from 'node:path';
import { pgFailoverMutexId, redisTopologyMutexId, scaleMutexId } from '../policy/names';
import { parseScaleDownInput, parseDrainInstanceInput } from '../policy/scale-down-input';
import { parseScaleUpInput, type Parsed } from '../policy/scale-input';
import { parseRollingUpdateInput } from '../policy/rolling-update-input';
import { usageError } from './errors';

export interface OperationStart {
  workflowType: string;
  workflowId: string;
  input: Record<string, unknown>;
  service: string;
  summary: string;
}

function check<T>(parsed: Parsed<T>, fix: string): T {
  if (!parsed.ok) throw usageError(parsed.problems, fix);
  return parsed.value;
}

/** Keeps only the fields the user gave, so the workflow applies its own defaults. */
function given(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export function scaleUpStart(service: string, count: number, extra: { cooldownSeconds?: number; healthTimeoutSeconds?: number }): OperationStart {
  const input = given({ service, count, ...extra });
  check(parseScaleUpInput(input), 'see `jarvis-scale scale --help`');
  return { workflowType: 'scaleUp', workflowId: scaleMutexId(service), input, service, summary: `scaleUp ${service} by ${count}` };
}

export function scaleDownStart(service: string, count: number, extra: { cooldownSeconds?: number; drainTimeoutSeconds?: number }): OperationStart {
  const input = given({ service, count, ...extra });
  check(parseScaleDownInput(input), 'see `jarvis-scale scale --help`');
  return { workflowType: 'scaleDown', workflowId: scaleMutexId(service), input, service, summary: `scaleDown ${service} by ${count}` };
}

export function drainStart(instance: string, extra: { drainTimeoutSeconds?: number }): OperationStart {
  const input = given({ instance, ...extra });
  const value = check(parseDrainInstanceInput(input), 'name an instance as `jarvis-scale status` lists it, such as jarvis-app-3');
  return { workflowType: 'drainInstance', workflowId: scaleMutexId(value.service), input, service: value.service, summary: `drain ${instance}` };
}

export function rolloutStart(service: string, version: string, extra: { healthTimeoutSeconds?: number; drainTimeoutSeconds?: number; pauseAfter?: number }): OperationStart {
  const input = given({ service, version, ...extra });
  check(parseRollingUpdateInput(input), 'see `jarvis-scale rollout --help`');
  return { workflowType: 'rollingUpdate', workflowId: scaleMutexId(service), input, service, summary: `rollingUpdate ${service} to ${version}` };
}

// The PostgreSQL and Redis parsers live in policy/pg-input.ts and policy/redis-input.ts,
// which arrive with their own branches. They are loaded when present; until then the shape
// checks below hold the same rules for the fields the CLI sends.
type Parser = (raw: unknown) => Parsed<unknown>;
function policyParser(file: string, name: string): Parser | undefined {
  try {
    const mod = require(path.join(__dirname, '..', 'policy', file)) as Record<string, unknown>;
    return typeof mod[name] === 'function' ? (mod[name] as Parser) : undefined;
  } catch {
    return undefined;
  }
}

function validate(input: Record<string, unknown>, file: string, parserName: string, fallback: () => string[], fix: string): void {
  const parser = policyParser(file, parserName);
  const problems = parser ? (parser(input) as { ok: boolean; problems?: string[] }).problems ?? [] : fallback();
  if (problems.length) throw usageError(problems, fix);
}

export const PG_CLUSTER = 'main';
export const PG_SERVERS = ['primary', 'replica1', 'replica2'];
export const REDIS_CLUSTER = 'cache';
export const NODE_ID = /^[0-9a-f]{40}$/;

export function pgFailoverStart(extra: { reason?: string; requireApproval?: boolean }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, ...extra });
  validate(input, 'pg-input', 'parsePgFailoverInput', () => (typeof input.reason === 'string' && input.reason.length > 200 ? ['reason must be at most 200 characters'] : []), 'see `jarvis-scale failover --help`');
  return { workflowType: 'pgFailover', workflowId: pgFailoverMutexId(PG_CLUSTER), input, service: `postgres/${PG_CLUSTER}`, summary: `pgFailover ${PG_CLUSTER}` };
}

export function pgSwitchoverStart(target: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, target, ...extra });
  validate(input, 'pg-input', 'parsePgSwitchoverInput', () => (PG_SERVERS.includes(target) ? [] : [`target must be one of: ${PG_SERVERS.join(', ')} (unknown server)`]), 'name the replica to promote, such as `--to replica2`');
  return { workflowType: 'pgSwitchover', workflowId: pgFailoverMutexId(PG_CLUSTER), input, service: `postgres/${PG_CLUSTER}`, summary: `pgSwitchover ${PG_CLUSTER} to ${target}` };
}

const nodeIdProblems = (field: string, values: unknown[]) => (values.every((v) => typeof v === 'string' && NODE_ID.test(v)) ? [] : [`${field} must be a node id (40 lowercase hex characters, from CLUSTER NODES)`]);

function redisStart(workflowType: string, input: Record<string, unknown>, parserName: string, fallback: () => string[], fix: string, summary: string): OperationStart {
  validate(input, 'redis-input', parserName, fallback, fix);
  return { workflowType, workflowId: redisTopologyMutexId(REDIS_CLUSTER), input, service: `redis/${REDIS_CLUSTER}`, summary };
}

export function redisReshardStart(slots: number, sources: string[], target: string): OperationStart {
  const input = given({ target, sources: sources.length ? sources : undefined, slots });
  const fallback = () => [
    ...nodeIdProblems('target', [target]),
    ...nodeIdProblems('sources[]', sources),
    ...(Number.isInteger(slots) && slots >= 1 && slots <= 16384 ? [] : ['slots must be a whole number from 1 to 16384']),
  ];
  return redisStart('redisReshard', input, 'parseRedisReshardInput', fallback, 'see `jarvis-scale reshard --help`; node ids and ports are in `jarvis-scale status`', `redisReshard ${slots} slots to ${target}`);
}

export function redisRebalanceStart(dryRun: boolean, useEmptyMasters: boolean): OperationStart {
  const input = { dryRun, useEmptyMasters };
  return redisStart('redisRebalance', input, 'parseRedisRebalanceInput', () => [], 'see `jarvis-scale rebalance --help`', `redisRebalance${dryRun ? ' (dry run)' : ''}`);
}

export function redisAddNodeStart(port: number, replicaOf?: string): OperationStart {
  const input = given({ port, replicaOf });
  const fallback = () => [
    ...(Number.isInteger(port) && port >= 1024 && port <= 55535 ? [] : ['port must be a whole number from 1024 to 55535 (its cluster bus uses port+10000)']),
    ...(replicaOf === undefined || replicaOf === 'auto' ? [] : nodeIdProblems('replicaOf', [replicaOf])),
  ];
  return redisStart('redisAddNode', input, 'parseRedisAddNodeInput', fallback, 'see `jarvis-scale add-node --help`', `redisAddNode ${port}`);
}

export function redisRemoveNodeStart(nodeId: string): OperationStart {
  return redisStart('redisRemoveNode', { nodeId }, 'parseRedisRemoveNodeInput', () => nodeIdProblems('nodeId', [nodeId]), 'name the node by its id or port, as `jarvis-scale status` lists it', `redisRemoveNode ${nodeId}`);
}

export function redisFailoverStart(replicaId: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ replicaId, ...extra });
  const fallback = () => nodeIdProblems('replicaId', [replicaId]);
  return redisStart('redisFailover', input, 'parseRedisFailoverInput', fallback, 'name a replica by its id or port, as `jarvis-scale status` lists it', `redisFailover to ${replicaId}`);
}

export function redisFixStart(dryRun: boolean): OperationStart {
  return redisStart('redisFix', { dryRun }, 'parseRedisFixInput', () => [], 'see `jarvis-scale redis-fix --help`', `redisFix${dryRun ? ' (dry run)' : ''}`);
}
