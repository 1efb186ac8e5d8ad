// One of the processes the lock test starts: takes the same lock `runs` times and records
// each run. Not a test file itself; run as `node lock-contender.js <lockName> <runs> <label>`.
import { Cluster } from 'ioredis';
import { createDistributedLock } from '../../app/lib/distributed-lock';

async function main(): Promise<void> {
  const [lockName, runsText, label] = process.argv.slice(2);
  const runs = Number(runsText);
  const nodes = (process.env.REDIS_CLUSTER_NODES ?? '').split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }));
  const redis = new Cluster(nodes, { redisOptions: { password: process.env.REDIS_PASSWORD } });
  const locks = createDistributedLock(redis);
  const occupancyKey = `test:{${lockName}}:occupancy`;
  const runsKey = `test:{${lockName}}:runs`;
  let overlaps = 0;
  const mine: { token: number; startMs: number; endMs: number }[] = [];
  for (let done = 0; done < runs;) {
    await locks.withLock(
      lockName,
      async ({ fencingToken }) => {
        // Date.now(): every process reads the one system clock; performance.timeOrigin is
        // fixed per process and drifts from it, which made runs seem to overlap by a millisecond.
        const startMs = Date.now();
        // Anyone else inside the critical section right now would make this more than 1.
        if ((await redis.incr(occupancyKey)) !== 1) overlaps += 1;
        await redis.rpush(runsKey, `${fencingToken}:${label}`);
        await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
        await redis.decr(occupancyKey);
        mine.push({ token: fencingToken, startMs, endMs: Date.now() });
      },
      { ttlMs: 2_000, waitMs: 30_000, retryDelayMs: 5 },
    );
    done += 1;
  }
  process.stdout.write(`${JSON.stringify({ label, overlaps, runs: mine })}\n`);
  await redis.quit();
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
