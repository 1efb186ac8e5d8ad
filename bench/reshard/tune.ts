// The tuned redis-cli: each candidate --cluster-pipeline moves the same slots A -> B and back
// once, with no writer, and the one with the most keys per second over both moves is kept.
// The trial is recorded in the result, so "tuned" is a measurement, not a guess.
import { assertBaseCluster, withNode } from '../../testkit/redis';
import { redisCliMover, REDIS_CLI_DEFAULT_PIPELINE, type Move } from './movers';

export interface PipelineTrial {
  pipeline: number;
  keysPerSecond: number;
  seconds: number;
  loadAtStart: number;
}

async function timedMove(cli: string, pipeline: number, move: Move, sourcePort: number): Promise<{ keys: number; seconds: number }> {
  const size = () => withNode(sourcePort, async (r) => Number(await r.call('DBSIZE')));
  const before = await size();
  const began = performance.now();
  await redisCliMover(cli, pipeline)(move);
  const measured = { seconds: (performance.now() - began) / 1000, keys: before - (await size()) };
  // redis-cli refuses to start while the nodes' views still disagree after the last move.
  await assertBaseCluster(60_000);
  return measured;
}

export async function choosePipeline(
  cli: string,
  candidates: number[],
  there: Move,
  ports: { from: number; to: number },
  loadNow: () => number,
): Promise<{ best: number; trials: PipelineTrial[] }> {
  const trials: PipelineTrial[] = [];
  for (const pipeline of candidates) {
    const loadAtStart = loadNow();
    const out = await timedMove(cli, pipeline, there, ports.from);
    const back = await timedMove(cli, pipeline, { from: there.to, to: there.from, slots: there.slots }, ports.to);
    const seconds = out.seconds + back.seconds;
    trials.push({
      pipeline,
      seconds: Math.round(seconds * 100) / 100,
      keysPerSecond: Math.round((out.keys + back.keys) / seconds),
      loadAtStart,
    });
    process.stdout.write(`pipeline trial: ${JSON.stringify(trials[trials.length - 1])}\n`);
  }
  const best = trials.reduce((a, b) => (b.keysPerSecond > a.keysPerSecond ? b : a), trials[0]);
  return { best: best?.pipeline ?? REDIS_CLI_DEFAULT_PIPELINE, trials };
}
