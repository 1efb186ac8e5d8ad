// Benchmark: move the same slots with `redis-cli --cluster reshard` at its defaults (one
// slot at a time, 10 keys per MIGRATE), then move them back with redisReshard, on the same
// data, machine and run. A writer RPUSHes numbered values meanwhile; its errors, p99 latency
// and lost acknowledged writes are reported for each. Writes bench/results/redis-reshard.json.
//   BENCH_KEYS (200000) keys of BENCH_VALUE_BYTES (1024), BENCH_SLOTS (4096) slots, BENCH_RUNS (3)
//   runs of both on the same data, BENCH_RESHARD_OPTIONS (JSON, e.g. '{"slotConcurrency":32}').
// Run against a stack started with `bash infra/local/stack.sh services`:
//   npm run build && node dist/bench/redis-reshard.js
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { slotCount } from '../policy/redis/redis-cluster-view';
import { REDIS_MUTEX_ID } from '../contracts/redis';
import { ports } from '../testkit/ports';
import { assertBaseCluster, clusterView, redisPassword, redisWorkerEnv, withNode } from '../testkit/redis';
import { ListWriter, resilientClusterClient } from '../testkit/redis-writer';
import { repoRoot, taskQueueFor, temporalClient } from '../testkit/stack';
import { startWorkerProcess } from '../testkit/workers';

const runTool = promisify(execFile);
const KEYS = Number(process.env.BENCH_KEYS ?? 200_000);
const VALUE_BYTES = Number(process.env.BENCH_VALUE_BYTES ?? 1024);
const SLOTS = Number(process.env.BENCH_SLOTS ?? 4096);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Optional redisReshard tuning as JSON (its defaults when unset), recorded in the result. */
const OPTIONS = JSON.parse(process.env.BENCH_RESHARD_OPTIONS ?? '{}') as Record<string, number>;

interface Measured {
  seconds: number;
  keysMoved: number;
  keysPerSecond: number;
  slotsPerSecond: number;
  writerWrites: number;
  writerErrors: number;
  writerP99Ms: number;
  lostAcknowledgedWrites: number;
  /** redisReshard only: summed busy ms per phase in the migration activities, and their count. */
  profile?: unknown;
}

async function dbsize(port: number): Promise<number> {
  return withNode(port, async (r) => Number(await r.call('DBSIZE')));
}

async function populate(): Promise<void> {
  const cluster = resilientClusterClient();
  const value = 'x'.repeat(VALUE_BYTES);
  for (let start = 0; start < KEYS; start += 5000) {
    await Promise.all(Array.from({ length: Math.min(5000, KEYS - start) }, (_, j) => cluster.set(`bench:${start + j}`, value)));
  }
  cluster.disconnect();
}

async function dropData(): Promise<void> {
  const cluster = resilientClusterClient();
  for (let start = 0; start < KEYS; start += 5000) {
    await Promise.all(Array.from({ length: Math.min(5000, KEYS - start) }, (_, j) => cluster.unlink(`bench:${start + j}`)));
  }
  cluster.disconnect();
}

async function measure(label: string, move: () => Promise<number | { keys: number; profile: unknown }>): Promise<Measured> {
  const writer = new ListWriter(10_000, 4);
  await writer.populate();
  writer.start();
  const began = process.hrtime.bigint();
  const moved = await move();
  const keysMoved = typeof moved === 'number' ? moved : moved.keys;
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const report = await writer.stop();
  const verified = await writer.verify();
  await writer.cleanup();
  const m: Measured = {
    seconds: Number(seconds.toFixed(2)),
    keysMoved,
    keysPerSecond: Math.round(keysMoved / seconds),
    slotsPerSecond: Math.round(SLOTS / seconds),
    writerWrites: report.writes,
    writerErrors: report.errors,
    writerP99Ms: report.p99Ms,
    lostAcknowledgedWrites: verified.problems.length,
    ...(typeof moved === 'number' ? {} : { profile: moved.profile }),
  };
  process.stdout.write(`${label}: ${JSON.stringify(m)}\n`);
  return m;
}

async function oneRun(run: number, a: { id: string; port: number }, b: { id: string; port: number }) {
  // 1. redis-cli, defaults: A's first SLOTS slots go to B.
  const cli = await measure(`run ${run} redis-cli --cluster reshard`, async () => {
    const before = await dbsize(a.port);
    await runTool(
      'redis-cli',
      [
        '--cluster',
        'reshard',
        `127.0.0.1:${ports.redis[0]}`,
        '--cluster-from',
        a.id,
        '--cluster-to',
        b.id,
        '--cluster-slots',
        String(SLOTS),
        '--cluster-yes',
      ],
      { env: { ...process.env, REDISCLI_AUTH: redisPassword() }, maxBuffer: 256 * 1024 * 1024 },
    );
    return before - (await dbsize(a.port));
  });
  await assertBaseCluster(60_000);

  // 2. redisReshard, defaults: the same slots (B's lowest SLOTS) go back to A.
  const { client, connection } = await temporalClient();
  const taskQueue = taskQueueFor(`bench redis reshard ${run}`);
  // The worker runs as its own process, as redis-cli does, so that it does not share the
  // writer's event loop (the writer's latency is measured in this process).
  const worker = await startWorkerProcess(taskQueue, redisWorkerEnv());
  let ours: Measured;
  try {
    ours = await measure(`run ${run} redisReshard`, async () => {
      const result = await client.workflow.execute('redisReshard', {
        taskQueue,
        workflowId: REDIS_MUTEX_ID,
        args: [{ target: a.id, sources: [b.id], slots: SLOTS, ...OPTIONS }],
      });
      return { keys: result.keysMoved as number, profile: result.profile };
    });
  } finally {
    await worker.kill('SIGTERM');
  }
  await connection.close();
  await assertBaseCluster(60_000);
  return { redisCli: cli, redisReshard: ours, keysPerSecondRatio: Number((ours.keysPerSecond / cli.keysPerSecond).toFixed(2)) };
}

function spread(values: number[]) {
  const sorted = [...values].sort((x, y) => x - y);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  await assertBaseCluster();
  process.stdout.write(`populating ${KEYS} keys of ${VALUE_BYTES} bytes\n`);
  await populate();
  const view = await clusterView();
  const [a, b] = view.nodes.filter((n) => n.role === 'master').sort((x, y) => x.slots[0][0] - y.slots[0][0]);
  if (slotCount(a.slots) < SLOTS) throw new Error(`master ${a.port} owns fewer than ${SLOTS} slots`);
  const runs = [];
  for (let run = 1; run <= RUNS; run++) runs.push(await oneRun(run, a, b));
  await dropData();

  const result = {
    benchmark: 'redis-reshard',
    date: new Date().toISOString(),
    keys: KEYS,
    valueBytes: VALUE_BYTES,
    slots: SLOTS,
    redisReshardOptions: Object.keys(OPTIONS).length ? OPTIONS : 'defaults',
    note: 'same data, machine and run; in each run redis-cli moves A->B at its defaults, then redisReshard (worker in its own process) moves the same slots back B->A at its defaults; the 2-core machine is shared with other engineers, so compare within a run',
    runs,
    keysPerSecondRatio: spread(runs.map((r) => r.keysPerSecondRatio)),
    redisCliKeysPerSecond: spread(runs.map((r) => r.redisCli.keysPerSecond)),
    redisReshardKeysPerSecond: spread(runs.map((r) => r.redisReshard.keysPerSecond)),
    writerErrors: {
      redisCli: runs.reduce((n, r) => n + r.redisCli.writerErrors, 0),
      redisReshard: runs.reduce((n, r) => n + r.redisReshard.writerErrors, 0),
    },
    lostAcknowledgedWrites: {
      redisCli: runs.reduce((n, r) => n + r.redisCli.lostAcknowledgedWrites, 0),
      redisReshard: runs.reduce((n, r) => n + r.redisReshard.lostAcknowledgedWrites, 0),
    },
  };
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, process.env.BENCH_RESULT_NAME ?? 'redis-reshard.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`ratio (redisReshard / redis-cli keys/s) per run: ${runs.map((r) => r.keysPerSecondRatio).join(', ')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
