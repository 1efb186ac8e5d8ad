// The three ways the bench moves slots, each with every setting it runs with and where that
// setting comes from: redis-cli --cluster reshard at its default pipeline, redis-cli tuned
// (the fastest pipeline of a short trial), and redisReshard at its defaults, its worker in a
// process of its own as redis-cli is one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { REDIS_MUTEX_ID } from '../../contracts/redis';
import { migrationOptionsOf, parseRedisReshardInput } from '../../policy/redis/redis-input';
import type { SettingRecord } from '../peers/side';
import { ports } from '../../testkit/ports';
import { redisPassword } from '../../testkit/redis';

const runTool = promisify(execFile);

/** redis-cli's built-in defaults (redis-cli.c 7.0: CLUSTER_MANAGER_MIGRATE_PIPELINE, CLUSTER_MANAGER_MIGRATE_TIMEOUT). */
export const REDIS_CLI_DEFAULT_PIPELINE = 10;
const REDIS_CLI_DEFAULT_TIMEOUT_MS = 60_000;
const CLI_SOURCE = 'redis-cli.c (7.0) CLUSTER_MANAGER_MIGRATE_PIPELINE / _TIMEOUT; `redis-cli --cluster help` lists the flag';

export interface Move {
  from: string;
  to: string;
  slots: number;
}

export type Mover = (move: Move) => Promise<void>;

export function redisCliMover(cli: string, pipeline: number): Mover {
  return async ({ from, to, slots }) => {
    const args = ['--cluster', 'reshard', `127.0.0.1:${ports.redis[0]}`];
    args.push('--cluster-from', from, '--cluster-to', to, '--cluster-slots', String(slots), '--cluster-yes');
    if (pipeline !== REDIS_CLI_DEFAULT_PIPELINE) args.push('--cluster-pipeline', String(pipeline));
    await runTool(cli, args, { env: { ...process.env, REDISCLI_AUTH: redisPassword() }, maxBuffer: 256 * 1024 * 1024 });
  };
}

export function redisCliSettings(pipeline: number, why: string): Record<string, SettingRecord> {
  return {
    '--cluster-pipeline': {
      value: pipeline,
      source: pipeline === REDIS_CLI_DEFAULT_PIPELINE ? `default, ${CLI_SOURCE}` : why,
      note: 'keys per MIGRATE',
    },
    '--cluster-timeout': { value: REDIS_CLI_DEFAULT_TIMEOUT_MS, source: `default, ${CLI_SOURCE}`, note: 'MIGRATE timeout (ms)' },
    '--cluster-replace': { value: false, source: `default, ${CLI_SOURCE}` },
    '--cluster-slots': { value: 'as the bench', source: 'the same slots for every side (A’s lowest)' },
  };
}

export function oursMover(client: Client, taskQueue: string): Mover {
  return async ({ from, to, slots }) => {
    await client.workflow.execute('redisReshard', {
      taskQueue,
      workflowId: REDIS_MUTEX_ID,
      args: [{ target: to, sources: [from], slots }],
    });
  };
}

/** redisReshard's settings as its input parser fills them in when none is given. */
export function oursSettings(): Record<string, SettingRecord> {
  const defaults = parseRedisReshardInput({ target: 'a'.repeat(40), slots: 1 });
  if (!defaults.ok) throw new Error(`redisReshard's defaults could not be read: ${defaults.problems.join('; ')}`);
  const settings: Record<string, SettingRecord> = {};
  for (const [name, v] of Object.entries(migrationOptionsOf(defaults.value)))
    settings[name] = { value: v, source: 'default, policy/redis/redis-input.ts' };
  return settings;
}
