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

/** Where an operation runs: its mutex workflow ID and the service it labels. */
type Target = Pick<OperationStart, 'workflowId' | 'service'>;

/** `start`, once the workflow's own parser accepts its input; `fix` tells the user what to change. */
function checked<T>(start: OperationStart, parse: (raw: unknown) => Parsed<T>, fix: string): OperationStart {
  check(parse(start.input), fix);
  return start;
}

const scaleTarget = (service: string): Target => ({ workflowId: scaleMutexId(service), service });
const SCALE_HELP = 'see `jarvis-scale scale --help`';
type ScaleExtra = { cooldownSeconds?: number; drainTimeoutSeconds?: number };

export function scaleUpStart(
  service: string,
  count: number,
  extra: { cooldownSeconds?: number; healthTimeoutSeconds?: number },
): OperationStart {
  const input = given({ service, count, ...extra });
  const start = { workflowType: 'scaleUp', input, ...scaleTarget(service), summary: `scaleUp ${service} by ${count}` };
  return checked(start, parseScaleUpInput, SCALE_HELP);
}

export function scaleDownStart(service: string, count: number, extra: ScaleExtra): OperationStart {
  const input = given({ service, count, ...extra });
  const start = { workflowType: 'scaleDown', input, ...scaleTarget(service), summary: `scaleDown ${service} by ${count}` };
  return checked(start, parseScaleDownInput, SCALE_HELP);
}

/** Scale to N running instances: the workflow counts and checks the bounds under the mutex, not the CLI. */
export function scaleToStart(service: string, to: number, extra: ScaleExtra): OperationStart {
  const input = given({ service, to, ...extra });
  const start = { workflowType: 'scaleTo', input, ...scaleTarget(service), summary: `scaleTo ${service} ${to}` };
  return checked(start, parseScaleToInput, 'for example: jarvis-scale scale jarvis-app --to 5');
}

export function drainStart(instance: string, extra: { drainTimeoutSeconds?: number }): OperationStart {
  const input = given({ instance, ...extra });
  const value = check(parseDrainInstanceInput(input), 'name an instance as `jarvis-scale status` lists it, such as jarvis-app-3');
  return { workflowType: 'drainInstance', input, ...scaleTarget(value.service), summary: `drain ${instance}` };
}

export function rolloutStart(
  service: string,
  version: string,
  extra: { healthTimeoutSeconds?: number; drainTimeoutSeconds?: number; pauseAfter?: number },
): OperationStart {
  const input = given({ service, version, ...extra });
  const start = { workflowType: 'rollingUpdate', input, ...scaleTarget(service), summary: `rollingUpdate ${service} to ${version}` };
  return checked(start, parseRollingUpdateInput, 'see `jarvis-scale rollout --help`');
}

export const PG_CLUSTER = 'main';
export const PG_SERVERS = ['primary', 'replica1', 'replica2'];
export const REDIS_CLUSTER = 'cache';
export const NODE_ID = /^[0-9a-f]{40}$/;

/** Failover and switchover share the cluster's mutex. */
const PG_TARGET: Target = { workflowId: pgFailoverMutexId(PG_CLUSTER), service: `postgres/${PG_CLUSTER}` };

export function pgFailoverStart(extra: { reason?: string; requireApproval?: boolean }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, ...extra });
  const start = { workflowType: 'pgFailover', input, ...PG_TARGET, summary: `pgFailover ${PG_CLUSTER}` };
  return checked(start, parsePgFailoverInput, 'see `jarvis-scale failover --help`');
}

export function pgSwitchoverStart(target: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ cluster: PG_CLUSTER, target, ...extra });
  const start = { workflowType: 'pgSwitchover', input, ...PG_TARGET, summary: `pgSwitchover ${PG_CLUSTER} to ${target}` };
  return checked(start, parsePgSwitchoverInput, 'name the replica to promote, such as `--to replica2`');
}

/** Every topology change of the Redis cluster holds the cluster's mutex. */
const REDIS_TARGET: Target = { workflowId: redisTopologyMutexId(REDIS_CLUSTER), service: `redis/${REDIS_CLUSTER}` };

export function redisReshardStart(slots: number, sources: string[], target: string): OperationStart {
  const input = given({ target, sources: sources.length ? sources : undefined, slots });
  const start = { workflowType: 'redisReshard', input, ...REDIS_TARGET, summary: `redisReshard ${slots} slots to ${target}` };
  return checked(start, parseRedisReshardInput, 'see `jarvis-scale reshard --help`; node ids and ports are in `jarvis-scale status`');
}

export function redisRebalanceStart(dryRun: boolean, useEmptyMasters: boolean): OperationStart {
  const summary = `redisRebalance${dryRun ? ' (dry run)' : ''}`;
  const start = { workflowType: 'redisRebalance', input: { dryRun, useEmptyMasters }, ...REDIS_TARGET, summary };
  return checked(start, parseRedisRebalanceInput, 'see `jarvis-scale rebalance --help`');
}

export function redisAddNodeStart(node: { address?: string; port?: number }, replicaOf?: string): OperationStart {
  const summary = `redisAddNode ${node.address ?? node.port}`;
  const start = { workflowType: 'redisAddNode', input: given({ ...node, replicaOf }), ...REDIS_TARGET, summary };
  return checked(start, parseRedisAddNodeInput, 'see `jarvis-scale add-node --help`');
}

export function redisRemoveNodeStart(nodeId: string): OperationStart {
  const start = { workflowType: 'redisRemoveNode', input: { nodeId }, ...REDIS_TARGET, summary: `redisRemoveNode ${nodeId}` };
  return checked(start, parseRedisRemoveNodeInput, 'name the node by its id or port, as `jarvis-scale status` lists it');
}

export function redisFailoverStart(replicaId: string, extra: { timeoutSeconds?: number }): OperationStart {
  const input = given({ replicaId, ...extra });
  const start = { workflowType: 'redisFailover', input, ...REDIS_TARGET, summary: `redisFailover to ${replicaId}` };
  return checked(start, parseRedisFailoverInput, 'name a replica by its id or port, as `jarvis-scale status` lists it');
}

export function redisFixStart(dryRun: boolean): OperationStart {
  const start = { workflowType: 'redisFix', input: { dryRun }, ...REDIS_TARGET, summary: `redisFix${dryRun ? ' (dry run)' : ''}` };
  return checked(start, parseRedisFixInput, 'see `jarvis-scale redis-fix --help`');
}
