// Medians per configuration, quiet runs (load under the threshold at the start) apart from
// loaded ones, and the goal: ours >= 3x tuned redis-cli's keys/s on a quiet machine,
// with the writer's p99 during ours <= 2x its p99 during redis-cli. Where it is missed, by how much.
import { distribution } from '../scale-common';
import type { RunFigures } from './run';

export const CONFIGURATIONS = ['redis-cli default', 'redis-cli tuned', 'ours'] as const;
const KEYS_GOAL = 3;
const P99_GOAL = 2;

function group(runs: RunFigures[]) {
  if (runs.length === 0) return null;
  const pick = (f: (r: RunFigures) => number) => distribution(runs.map(f));
  return {
    runs: runs.length,
    keysPerSecond: pick((r) => r.keysPerSecond),
    writerWritesPerSecond: pick((r) => r.writerWritesPerSecond),
    writerP99Ms: pick((r) => r.writerP99Ms),
    writerErrors: runs.reduce((n, r) => n + r.writerErrors, 0),
    lostAcknowledgedWrites: runs.reduce((n, r) => n + r.lostAcknowledgedWrites, 0),
    loadAtStart: pick((r) => r.loadAtStart),
  };
}

type Group = ReturnType<typeof group>;

export function byConfiguration(runs: RunFigures[]) {
  return Object.fromEntries(
    CONFIGURATIONS.map((c) => {
      const mine = runs.filter((r) => r.configuration === c);
      return [c, { quiet: group(mine.filter((r) => r.quiet)), loaded: group(mine.filter((r) => !r.quiet)), all: group(mine) }];
    }),
  ) as Record<(typeof CONFIGURATIONS)[number], { quiet: Group; loaded: Group; all: Group }>;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

function verdict(which: 'quiet' | 'loaded', s: ReturnType<typeof byConfiguration>) {
  const ours = s.ours[which];
  const tuned = s['redis-cli tuned'][which];
  const plain = s['redis-cli default'][which];
  if (!ours || !tuned || !plain) return null;
  const keys = ratio(ours.keysPerSecond.p50, tuned.keysPerSecond.p50);
  const p99 = ratio(ours.writerP99Ms.p50, tuned.writerP99Ms.p50);
  const keysMet = keys >= KEYS_GOAL;
  const p99Met = p99 <= P99_GOAL;
  return {
    machine: which,
    oursOverTunedKeysPerSecond: keys,
    oursOverDefaultKeysPerSecond: ratio(ours.keysPerSecond.p50, plain.keysPerSecond.p50),
    writerP99OursOverTuned: p99,
    writerP99OursOverDefault: ratio(ours.writerP99Ms.p50, plain.writerP99Ms.p50),
    writerThroughputOursOverTuned: ratio(ours.writerWritesPerSecond.p50, tuned.writerWritesPerSecond.p50),
    keysGoal: keysMet ? `met: ${keys}x >= ${KEYS_GOAL}x` : `missed by ${ratio(KEYS_GOAL, keys)}x: ${keys}x of the ${KEYS_GOAL}x asked`,
    p99Goal: p99Met ? `met: ${p99}x <= ${P99_GOAL}x` : `missed by ${ratio(p99, P99_GOAL)}x: ${p99}x against at most ${P99_GOAL}x`,
  };
}

/** The goal judged on quiet runs (the condition); on loaded runs too, labelled as such. */
export function goals(s: ReturnType<typeof byConfiguration>) {
  const quiet = verdict('quiet', s);
  return {
    quiet: quiet ?? `not judged: no quiet run (1-minute load under the threshold at the start) of every configuration`,
    loaded: verdict('loaded', s),
  };
}
