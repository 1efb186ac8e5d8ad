// Each CLI operation as what it starts: the workflow type, its input (the exact shape the
// workflow's policy schema accepts), the mutex workflow ID and the search attributes.
// Inputs are validated with the same policy parsers the workflows use, before anything starts.
import { pgFailoverMutexId } from '../contracts/postgres';
import { redisTopologyMutexId } from '../contracts/redis';
import { scaleMutexId } from '../contracts/scaling';
import { parseScaleDownInput, parseDrainInstanceInput } from '../policy/scaling/scale-down-input';
import { parseScaleUpInput, type Parsed } from '../policy/scaling/scale-input';
import { parseScaleToInput } from '../policy/scaling/scale-to-input';
import { parseRollingUpdateInput } from '../policy/scaling/rolling-update-input';
import { parsePgFailoverInput, parsePgSwitchoverInput } from '../policy/postgres/pg-input';
import {
  parseRedisAddNodeInput,
  parseRedisFailoverInput,
  parseRedisFixInput,
  parseRedisRebalanceInput,
  parseRedisRemoveNodeInput,
  parseRedisReshardInput,
} from '../policy/redis/redis-input';
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

export function scaleUpStart(
  service: string,
  count: number,
  extra: { cooldownSeconds?: number; healthTimeoutSeconds?: number },
): OperationStart {
  const input = given({ service, count, ...extra });
  check(parseScaleUpInput(input), 'see `jarvis-scale scale --help`');
  return { workflowType: 'scaleUp', workflowId: scaleMutexId(service), input, service, summary: `scaleUp ${service} by ${count}` };
}

export function scaleDownStart(
  service: string,
  count: number,
  extra: { cooldownSeconds?: number; drainTimeoutSeconds?: number },
): OperationStart {
  const input = given({ service, count, ...extra });
  check(parseScaleDownInput(input), 'see `jarvis-scale scale --help`');
  return { workflowType: 'scaleDown', workflowId: scaleMutexId(service), input, service, summary: `scaleDown ${service} by ${count}` };
}

/** Scale to N running instances: the workflow counts and checks the bounds under the mutex, not the CLI. */
export function scaleToStart(
  service: string,
  to: number,
  extra: { cooldownSeconds?: number; drainTimeoutSeconds?: number },
): OperationStart {
  const input = given({ service, to, ...extra });
  check(parseScaleToInput(input), 'for example: jarvis-scale scale jarvis-app --to 5');
  return { workflowType: 'scaleTo', workflowId: scaleMutexId(service), input, service, summary: `scaleTo ${service} ${to}` };
}

export function drainStart(instance: string, extra: { drainTimeoutSeconds?: number }): OperationStart {
  const input = given({ instance, ...extra });
  const value = check(parseDrainInstanceInput(input), 'name an instance as `jarvis-scale status` lists it, such as jarvis-app-3');
  return {
    workflowType: 'drainInstance',
    workflowId: scaleMutexId(value.service),
    input,
    service: value.service,
    summary: `drain ${instance}`,
  };
}

export function rolloutStart(
  service: string,
  version: string,
  extra: { healthTimeoutSeconds?: number; drainTimeoutSeconds?: number; pauseAfter?: number },
): OperationStart {
  const input = given({ service, version, ...extra });
  check(parseRollingUpdateInput(input), 'see `jarvis-scale rollout --help`');
  return {
    workflowType: 'rollingUpdate',
    workflowId: scaleMutexId(service),
    input,
    service,
    summary: `rollingUpdate ${service} to ${version}`,
  };
}

export const PG_CLUSTER = 'main';
export const PG_SERVERS = ['primary', 'replica1', 'replica2'];
export const REDIS_CLUSTER = 'cache';
export const NODE_ID = /^[0-9a-f]{40}$/;

export function pgFailoverStart(extra: { reason?: string; requireApproval?: boolean }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, ...extra });
  check(parsePgFailoverInput(input), 'see `jarvis-scale failover --help`');
  return {
    workflowType: 'pgFailover',
    workflowId: pgFailoverMutexId(PG_CLUSTER),
    input,
    service: `postgres/${PG_CLUSTER}`,
    summary: `pgFailover ${PG_CLUSTER}`,
  };
}

export function pgSwitchoverStart(target: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, target, ...extra });
  check(parsePgSwitchoverInput(input), 'name the replica to promote, such as `--to replica2`');
  return {
    workflowType: 'pgSwitchover',
    workflowId: pgFailoverMutexId(PG_CLUSTER),
    input,
    service: `postgres/${PG_CLUSTER}`,
    summary: `pgSwitchover ${PG_CLUSTER} to ${target}`,
  };
}

function redisStart<T>(
  workflowType: string,
  input: Record<string, unknown>,
  parsed: Parsed<T>,
  fix: string,
  summary: string,
): OperationStart {
  check(parsed, fix);
  return { workflowType, workflowId: redisTopologyMutexId(REDIS_CLUSTER), input, service: `redis/${REDIS_CLUSTER}`, summary };
}

export function redisReshardStart(slots: number, sources: string[], target: string): OperationStart {
  const input = given({ target, sources: sources.length ? sources : undefined, slots });
  return redisStart(
    'redisReshard',
    input,
    parseRedisReshardInput(input),
    'see `jarvis-scale reshard --help`; node ids and ports are in `jarvis-scale status`',
    `redisReshard ${slots} slots to ${target}`,
  );
}

export function redisRebalanceStart(dryRun: boolean, useEmptyMasters: boolean): OperationStart {
  const input = { dryRun, useEmptyMasters };
  return redisStart(
    'redisRebalance',
    input,
    parseRedisRebalanceInput(input),
    'see `jarvis-scale rebalance --help`',
    `redisRebalance${dryRun ? ' (dry run)' : ''}`,
  );
}

export function redisAddNodeStart(port: number, replicaOf?: string): OperationStart {
  const input = given({ port, replicaOf });
  return redisStart('redisAddNode', input, parseRedisAddNodeInput(input), 'see `jarvis-scale add-node --help`', `redisAddNode ${port}`);
}

export function redisRemoveNodeStart(nodeId: string): OperationStart {
  const input = { nodeId };
  return redisStart(
    'redisRemoveNode',
    input,
    parseRedisRemoveNodeInput(input),
    'name the node by its id or port, as `jarvis-scale status` lists it',
    `redisRemoveNode ${nodeId}`,
  );
}

export function redisFailoverStart(replicaId: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ replicaId, ...extra });
  return redisStart(
    'redisFailover',
    input,
    parseRedisFailoverInput(input),
    'name a replica by its id or port, as `jarvis-scale status` lists it',
    `redisFailover to ${replicaId}`,
  );
}

export function redisFixStart(dryRun: boolean): OperationStart {
  const input = { dryRun };
  return redisStart(
    'redisFix',
    input,
    parseRedisFixInput(input),
    'see `jarvis-scale redis-fix --help`',
    `redisFix${dryRun ? ' (dry run)' : ''}`,
  );
}
