#!/usr/bin/env node
// jarvis-scale: the operator's CLI. Exit codes: 0 ok, 1 the operation failed, 2 bad usage
// or input (nothing started), 3 Temporal unreachable, 4 another operation holds the mutex.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Cluster } from 'ioredis';
import { openRedis, type RedisReader } from '../read-models/platform';
import { autoscaleCommand } from './autoscale-command';
import { registerBacktest } from './backtest-command';
import * as cmd from './commands';
import type { Session } from './connect';
import { CliError, ExitCode } from './errors';
import * as ops from './operations';
import { createOutput, reportError } from './output';
import { historyCommand, statsCommand } from './history-commands';
import { resolveNodeId } from './redis-nodes';
import type { GlobalOptions } from './session';
import { statusCommand } from './status-command';

function int(name: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

const program = new Command('jarvis-scale')
  .description('Operate Jarvis Scale: scaling, rollouts, PostgreSQL failover and Redis Cluster topology, each a durable Temporal workflow')
  .option('--json', 'machine-readable output on stdout', false)
  .option('--task-queue <name>', 'the task queue to start workflows on (default: TASK_QUEUE or jarvis-scaling)')
  .option('--no-wait', 'start the operation and return without following its progress')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

let exitCode: number = ExitCode.ok;

function action<A extends unknown[]>(fn: (g: GlobalOptions, out: ReturnType<typeof createOutput>, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const g = program.opts<{ json: boolean; taskQueue?: string; wait: boolean }>();
    const out = createOutput(g.json);
    try {
      // JARVIS_SCALE_NO_WAIT=1 makes every operation behave as --no-wait (scripts, CI).
      await fn({ json: g.json, taskQueue: g.taskQueue, wait: g.wait && process.env.JARVIS_SCALE_NO_WAIT !== '1' }, out, ...args);
    } catch (error) {
      exitCode = reportError(error, g.json);
    }
  };
}

program
  .command('status')
  .description(
    'instances (orchestrator, registry, health), the operations running now with their progress, the autoscaler, PostgreSQL topology and Redis Cluster health',
  )
  .option('--service <name>', 'only this service')
  .action(action((g, out, o: { service?: string }) => statusCommand(g, out, o)));

program
  .command('scale <service>')
  .description(
    'scale a service to N instances: starts scaleTo, which counts inside the scale/<service> mutex and continues as scaleUp or scaleDown by the difference, or refuses outside [MIN_INSTANCES, MAX_INSTANCES]',
  )
  .requiredOption('--to <n>', 'the instance count to reach', int('--to'))
  .option('--cooldown <seconds>', 'how long the operation holds the service lock afterwards (default 300)', int('--cooldown'))
  .option(
    '--drain-timeout <seconds>',
    "scale-down: how long to wait for a removed instance's connections to close (default 30)",
    int('--drain-timeout'),
  )
  .action(
    action((g, out, service: string, o: { to: number; cooldown?: number; drainTimeout?: number }) =>
      cmd.scaleCommand(g, out, service, o.to, o),
    ),
  );

program
  .command('drain <instance>')
  .description('drain one instance (its connections close), then remove it')
  .option('--drain-timeout <seconds>', 'how long to wait for its connections to close', int('--drain-timeout'))
  .action(
    action((g, out, instance: string, o: { drainTimeout?: number }) => {
      const op = ops.drainStart(instance, { drainTimeoutSeconds: o.drainTimeout });
      return cmd.simpleOperation(g, out, () => op);
    }),
  );

program
  .command('rollout <service-or-action> [service]')
  .description('rollout <service> --version V starts a rolling update; rollout pause|resume|abort <service> signals the running one')
  .option('--version <v>', 'the version to roll out, such as v2')
  .option('--pause-after <n>', 'pause after this many instances', int('--pause-after'))
  .option('--drain-timeout <seconds>', "how long to wait for each old instance's connections to close (default 30)", int('--drain-timeout'))
  .option('--reason <text>', 'with abort: why')
  .action(
    action(
      async (
        g,
        out,
        first: string,
        second: string | undefined,
        o: { version?: string; pauseAfter?: number; drainTimeout?: number; reason?: string },
      ) => {
        if (first === 'pause' || first === 'resume' || first === 'abort') {
          if (!second)
            throw new CliError(`rollout ${first} needs a service`, ExitCode.usage, `for example: jarvis-scale rollout ${first} jarvis-app`);
          return cmd.rolloutSignal(g, out, first, second, o.reason);
        }
        if (second)
          throw new CliError(
            `unexpected argument "${second}"`,
            ExitCode.usage,
            'rollout <service> --version V, or rollout pause|resume|abort <service>',
          );
        if (!o.version)
          throw new CliError('rollout needs --version', ExitCode.usage, `for example: jarvis-scale rollout ${first} --version v2`);
        const op = ops.rolloutStart(first, o.version, { pauseAfter: o.pauseAfter, drainTimeoutSeconds: o.drainTimeout });
        return cmd.simpleOperation(g, out, () => op);
      },
    ),
  );

program
  .command('failover')
  .description('PostgreSQL: promote the best replica of cluster main now (pgFailover)')
  .option('--reason <text>', 'recorded in the workflow')
  .option('--require-approval', "wait for an operator's approval before promoting")
  .action(
    action((g, out, o: { reason?: string; requireApproval?: boolean }) => {
      const op = ops.pgFailoverStart({ reason: o.reason, requireApproval: o.requireApproval });
      return cmd.simpleOperation(g, out, () => op);
    }),
  );

program
  .command('switchover')
  .description('PostgreSQL: planned switchover of cluster main to a replica (pgSwitchover)')
  .requiredOption('--to <server>', 'the server to promote: replica1 or replica2 (or primary after a failover)')
  .option('--timeout <seconds>', 'how long the switchover may take', int('--timeout'))
  .action(
    action((g, out, o: { to: string; timeout?: number }) => {
      const op = ops.pgSwitchoverStart(o.to, { timeoutSeconds: o.timeout });
      return cmd.simpleOperation(g, out, () => op);
    }),
  );

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

program
  .command('reshard')
  .description('Redis Cluster: move N slots to a master (redisReshard); nodes by id, port or host:port')
  .requiredOption('--slots <n>', 'how many slots to move', int('--slots'))
  .option('--from <nodes>', 'source masters, comma-separated or repeated (default: all other masters)', list)
  .requiredOption('--to <node>', 'the master that receives the slots')
  .action(
    action((g, out, o: { slots: number; from?: string[]; to: string }) =>
      cmd.simpleOperation(g, out, async (s) => {
        const redis = () => redisOf(s);
        const target = await resolveNodeId(redis, o.to);
        const sources = [];
        for (const f of o.from ?? []) sources.push(await resolveNodeId(redis, f));
        return ops.redisReshardStart(o.slots, sources, target);
      }),
    ),
  );

program
  .command('rebalance')
  .description('Redis Cluster: even out slots across masters (redisRebalance)')
  .option('--dry-run', 'only compute and report the moves', false)
  .option('--use-empty-masters', 'give slots to masters that hold none', false)
  .action(
    action((g, out, o: { dryRun: boolean; useEmptyMasters: boolean }) => {
      const op = ops.redisRebalanceStart(o.dryRun, o.useEmptyMasters);
      return cmd.simpleOperation(g, out, () => op);
    }),
  );

program
  .command('add-node')
  .description('Redis Cluster: start a node at host:port (or a port on REDIS_HOST) and join it (redisAddNode)')
  .option('--address <host:port>', "the new node's host:port, such as 127.0.2.7:7000")
  .option('--port <port>', "the new node's port on REDIS_HOST, such as 7006", int('--port'))
  .option('--replica-of <node>', '"auto", or the master (id, port or host:port) to replicate')
  .action(
    action((g, out, o: { address?: string; port?: number; replicaOf?: string }) =>
      cmd.simpleOperation(g, out, async (s) => {
        const replicaOf = o.replicaOf && o.replicaOf !== 'auto' ? await resolveNodeId(() => redisOf(s), o.replicaOf) : o.replicaOf;
        return ops.redisAddNodeStart({ address: o.address, port: o.port }, replicaOf);
      }),
    ),
  );

program
  .command('remove-node <node>')
  .description("Redis Cluster: move a node's slots away, then forget and stop it (redisRemoveNode)")
  .action(
    action((g, out, node: string) =>
      cmd.simpleOperation(g, out, async (s) => ops.redisRemoveNodeStart(await resolveNodeId(() => redisOf(s), node))),
    ),
  );

program
  .command('redis-failover')
  .description("Redis Cluster: planned failover to a replica, which becomes its master's master (redisFailover)")
  .requiredOption('--replica <node>', 'the replica to promote (id, port or host:port)')
  .option('--timeout <seconds>', 'how long the roles may take to swap', int('--timeout'))
  .action(
    action((g, out, o: { replica: string; timeout?: number }) =>
      cmd.simpleOperation(g, out, async (s) =>
        ops.redisFailoverStart(await resolveNodeId(() => redisOf(s), o.replica), { timeoutSeconds: o.timeout }),
      ),
    ),
  );

program
  .command('redis-fix')
  .description('Redis Cluster: close open slots like redis-cli --cluster fix; refuses when unsure (redisFix)')
  .option('--dry-run', 'only report what it would do', false)
  .action(
    action((g, out, o: { dryRun: boolean }) => {
      const op = ops.redisFixStart(o.dryRun);
      return cmd.simpleOperation(g, out, () => op);
    }),
  );

program
  .command('autoscale <action>')
  .description('pause or resume the autoscale Schedule autoscale/<service>')
  .addOption(new Option('--service <name>', 'the service').default('jarvis-app'))
  .action(
    action(async (g, out, act: string, o: { service: string }) => {
      if (act !== 'pause' && act !== 'resume')
        throw new CliError(
          `autoscale takes pause or resume, got "${act}"`,
          ExitCode.usage,
          'jarvis-scale autoscale pause   or   jarvis-scale autoscale resume',
        );
      return autoscaleCommand(g, out, act, o.service);
    }),
  );

program
  .command('history')
  .description('past and running operations from Temporal visibility, newest first, with outcome and duration')
  .option('--service <name>', 'only this service (jarvis-app, postgres/main, redis/cache)')
  .option('--limit <n>', 'at most this many', int('--limit'), 20)
  .action(action((g, out, o: { service?: string; limit: number }) => historyCommand(g, out, o)));

registerBacktest(program, action);

program
  .command('stats')
  .description('scaling statistics computed from Temporal visibility')
  .option('--service <name>', 'only this service')
  .action(action((g, out, o: { service?: string }) => statsCommand(g, out, o)));

program
  .command('cancel <workflow-id>')
  .description('cancel a running operation (it cleans up after itself)')
  .action(action((g, out, workflowId: string) => cmd.cancelCommand(g, out, workflowId)));

// A Redis connection for name resolution, opened on first use and closed at exit.
let redisReader: RedisReader | undefined;
function redisOf(s: Session): Cluster {
  redisReader ??= openRedis(s.config);
  const redis = redisReader.redis();
  if (!redis) throw new Error('no Redis Cluster client could be made from REDIS_CLUSTER_NODES');
  return redis;
}

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')
        return ExitCode.ok;
      // commander already printed the message; in --json mode say it as JSON too.
      if (process.argv.includes('--json'))
        process.stdout.write(
          `${JSON.stringify({ ok: false, error: { message: error.message, exitCode: ExitCode.usage, fix: 'see jarvis-scale --help' } })}\n`,
        );
      return ExitCode.usage;
    }
    return reportError(error, process.argv.includes('--json'));
  } finally {
    await redisReader?.close();
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error) => process.exit(reportError(error, process.argv.includes('--json'))),
);
