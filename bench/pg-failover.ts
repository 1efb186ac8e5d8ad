// Benchmark: time from SIGKILL of the primary to the first acknowledged write on the new
// primary, over N runs, split into detection, promotion and re-pointing, for Jarvis
// Scale's pgMonitor + pgFailover and, in the same run on the same machine, for
// pg_auto_failover with its default settings. Writes bench/results/pg-failover-<time>.json.
//
//   set -a; . /work/wt-pg.env; set +a     # (or the main stack's env) with the services up
//   node dist/bench/pg-failover.js [--runs 10] [--only ours|paf]
//
// Splits (all in ms after the kill):
//   detection  ours: the pgFailover run starts (confirmed by pgMonitor);
//              pg_auto_failover: the monitor assigns the old primary a goal other than primary
//   promotion  a server other than the killed one accepts writes (the bench's own prober)
//   firstAck   the writer's first acknowledged write on that server; re-pointing = firstAck − promotion
//              (with quorum commit a write is acknowledged only once a standby follows)
// The kill: ours SIGKILLs the postmaster (no local supervisor restarts it); for
// pg_auto_failover the same kill would only make its keeper restart PostgreSQL in place,
// so the node is lost as a whole: keeper and postmaster are both SIGKILLed.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPgMonitorOn, stopPgMonitor } from '../testkit/pg-monitor';
import { pgWorkerEnv, postmasterPid, primeMonitor, waitClusterHealthy, waitForFailoverRun } from '../testkit/pg-cluster';
import { ports } from '../testkit/ports';
import { benchFailed, BenchRefusal, preflight, runCount, stackPorts, type PortUse } from '../testkit/bench/preflight';
import { repoRoot, stackSecrets, stateDir, taskQueueFor, temporalClient } from '../testkit/stack';
import { withWorker } from '../testkit/workers';
import { PAF_LOGIN, PAF_MONITOR_PORT, PAF_NODES, PgAutoFailoverCluster } from './pg-auto-failover-cluster';

const PG_AUTOCTL = `${process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'}/pg_autoctl`;
import { BenchWriter, sleep, summarize, waitNewWritable, type Login, type ServerRef } from './pg-writer';
import { runRecord } from './scale-common';

interface RunFigures {
  run: number;
  killed: string;
  promoted: string;
  detectionMs: number;
  promotionMs: number;
  firstAckMs: number;
  repointingMs: number;
  acked: number;
  lostAcknowledged: number;
}

const withoutSecrets = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => !/PASSWORD/.test(k)));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function oneRun(
  runNo: number,
  servers: ServerRef[],
  login: Login,
  primary: string,
  kill: () => Promise<void>,
  detected: (killedAt: number) => Promise<number>,
): Promise<RunFigures> {
  const writer = new BenchWriter(servers, login, 'bench_failover_writes');
  await writer.prepare();
  writer.start();
  try {
    await writer.waitForAcks(100);
    await sleep(1500);
    const killedAt = Date.now();
    await kill();
    const promotedPromise = waitNewWritable(servers, login, primary);
    const detectedAt = await detected(killedAt);
    const promoted = await promotedPromise;
    const firstAck = await writer.firstAckAfter(killedAt, primary);
    await writer.waitForAcks(20);
    await writer.stop();
    const lost = await writer.lostOn(servers.find((s) => s.name === promoted.name)!.port);
    const figures = {
      run: runNo,
      killed: primary,
      promoted: promoted.name,
      detectionMs: detectedAt - killedAt,
      promotionMs: promoted.atMs - killedAt,
      firstAckMs: firstAck - killedAt,
      repointingMs: firstAck - promoted.atMs,
      acked: writer.acked.length,
      lostAcknowledged: lost,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    await writer.stop();
  }
}

async function benchOurs(runs: number): Promise<RunFigures[]> {
  const { client, connection } = await temporalClient();
  const taskQueue = taskQueueFor('bench pg failover');
  const servers: ServerRef[] = [
    { name: 'primary', port: ports.pgPrimary },
    { name: 'replica1', port: ports.pgReplica1 },
    { name: 'replica2', port: ports.pgReplica2 },
  ];
  const login: Login = { user: 'jarvis', password: stackSecrets().PG_APP_PASSWORD, database: 'jarvis' };
  const out: RunFigures[] = [];
  try {
    await withWorker(
      taskQueue,
      async () => {
        await primeMonitor(client, taskQueue);
        await runPgMonitorOn(client, taskQueue);
        for (let i = 1; i <= runs; i++) {
          const primary = await waitClusterHealthy(120_000);
          out.push(
            await oneRun(
              i,
              servers,
              login,
              primary,
              async () => void process.kill(postmasterPid(primary), 'SIGKILL'),
              async (killedAt) => {
                const run = await waitForFailoverRun(client, killedAt, 120_000);
                return run.startedAtMs;
              },
            ),
          );
        }
        await waitClusterHealthy(120_000);
      },
      pgWorkerEnv(),
    );
  } finally {
    await stopPgMonitor(client, 'main');
    await connection.close();
  }
  return out;
}

async function benchPgAutoFailover(runs: number): Promise<RunFigures[]> {
  const cluster = new PgAutoFailoverCluster(path.join(stateDir, 'bench-paf'));
  const out: RunFigures[] = [];
  try {
    process.stdout.write('pg_auto_failover: creating the monitor and 3 nodes (default settings)\n');
    await cluster.create();
    for (let i = 1; i <= runs; i++) {
      const primary = await cluster.waitStable(300_000);
      out.push(
        await oneRun(
          i,
          PAF_NODES,
          PAF_LOGIN,
          primary,
          () => cluster.killNode(primary),
          async (killedAt) => {
            const deadline = killedAt + 180_000;
            while (Date.now() < deadline) {
              const s = await cluster.states().catch(() => ({}) as Record<string, [string, string]>);
              if (s[primary] && s[primary][1] !== 'primary') return Date.now();
              await sleep(100);
            }
            throw new Error('the pg_auto_failover monitor never demoted the killed primary');
          },
        ),
      );
      cluster.startKeeper(primary); // the lost node comes back and rejoins as a secondary
    }
    await cluster.waitStable(300_000);
  } finally {
    await cluster.destroy();
  }
  return out;
}

function report(figures: RunFigures[]) {
  return {
    runs: figures,
    detectionMs: summarize(figures.map((f) => f.detectionMs)),
    promotionMs: summarize(figures.map((f) => f.promotionMs)),
    repointingMs: summarize(figures.map((f) => f.repointingMs)),
    firstAckMs: summarize(figures.map((f) => f.firstAckMs)),
    lostAcknowledgedWrites: figures.reduce((sum, f) => sum + f.lostAcknowledged, 0),
  };
}

async function main(): Promise<void> {
  const only = arg('only', 'both');
  const onlyKnown = () => {
    if (!['both', 'ours', 'paf'].includes(only)) throw new BenchRefusal(`--only must be ours, paf or both, not '${only}'`);
  };
  const pafPorts: PortUse[] = [{ port: PAF_MONITOR_PORT, what: 'pg_auto_failover monitor', use: 'free' as const }].concat(
    PAF_NODES.map((n) => ({ port: n.port, what: `pg_auto_failover ${n.name}`, use: 'free' as const })),
  );
  await preflight({
    bench: 'pg-failover',
    ports: [...(only === 'paf' ? [] : stackPorts('temporal', 'postgres')), ...(only === 'ours' ? [] : pafPorts)],
    tools:
      only === 'ours'
        ? []
        : [{ what: 'pg_autoctl (Debian postgresql-15-auto-failover)', file: PG_AUTOCTL, install: 'bash infra/local/install-deps.sh' }],
    inputs: [onlyKnown, () => runCount('runs', arg('runs', '10'))],
  });
  const runs = runCount('runs', arg('runs', '10'));
  const loadBefore = os.loadavg();
  const startedAt = new Date().toISOString();
  const ours = only === 'paf' ? undefined : report(await benchOurs(runs));
  const paf = only === 'ours' ? undefined : report(await benchPgAutoFailover(runs));
  const result = {
    benchmark: 'pg-failover',
    startedAt,
    finishedAt: new Date().toISOString(),
    ...runRecord(loadBefore),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    settings: {
      runs,
      ours: { worker: withoutSecrets(pgWorkerEnv()), monitor: 'pgMonitor defaults (testkit/pg-monitor.ts runPgMonitorOn)' },
      pgAutoFailover: 'its defaults (bench/pg-auto-failover-cluster.ts, no tuning)',
    },
    kill: {
      ours: 'SIGKILL of the primary postmaster',
      pgAutoFailover: 'SIGKILL of the primary node (pg_autoctl keeper process group and postmaster)',
    },
    jarvisScale: ours,
    pgAutoFailover: paf ? { version: '2.0 (Debian postgresql-15-auto-failover), default settings', ...paf } : undefined,
    ratioFirstAckP50: ours && paf ? Math.round((paf.firstAckMs.p50 / ours.firstAckMs.p50) * 100) / 100 : undefined,
  };
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pg-failover-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(repoRoot, file)}\n`);
  process.stdout.write(
    `first acknowledged write after the kill, p50: ours ${ours?.firstAckMs.p50 ?? '-'} ms, pg_auto_failover ${paf?.firstAckMs.p50 ?? '-'} ms, ratio ${result.ratioFirstAckP50 ?? '-'}\n`,
  );
}

main().then(() => process.exit(0), benchFailed);
