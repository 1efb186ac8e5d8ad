// Keys moved over time: DBSIZE on the source master every `everyMs`, so the chart can draw
// keys per second through each reshard (the writer's keys are only RPUSHed onto, never added,
// so the source's count falls only by the keys that moved).
import { withNode } from '../../testkit/redis';

export interface Sample {
  /** Seconds since the reshard began. */
  t: number;
  /** Keys gone from the source since it began. */
  moved: number;
}

export interface Sampler {
  stop: () => Promise<Sample[]>;
}

/** Starts sampling; resolves once the first count is read, so the reshard can begin after it. */
export async function startSampler(sourcePort: number, everyMs: number): Promise<Sampler> {
  const samples: Sample[] = [];
  let running = true;
  let ready: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (ready = resolve));
  const loop = withNode(sourcePort, async (redis) => {
    const initial = Number(await redis.call('DBSIZE'));
    const began = performance.now();
    samples.push({ t: 0, moved: 0 });
    ready();
    while (running) {
      await new Promise((r) => setTimeout(r, everyMs));
      const size = Number(await redis.call('DBSIZE'));
      samples.push({ t: Number(((performance.now() - began) / 1000).toFixed(3)), moved: initial - size });
    }
  });
  await Promise.race([first, loop]);
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Keys per second in each interval between samples, placed at the interval's end. */
export function rates(samples: Sample[]): Array<{ t: number; keysPerSecond: number }> {
  return samples.slice(1).map((s, i) => ({ t: s.t, keysPerSecond: Math.round((s.moved - samples[i].moved) / (s.t - samples[i].t)) }));
}
