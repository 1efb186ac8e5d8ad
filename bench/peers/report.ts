// The results file: per configuration p50 / p90 / max of each milestone, the acknowledged
// loss (asserted 0), and what makes the figures reproducible: the commit, the date, nproc,
// the load average before and after, and every side's settings with their sources.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { summarize } from '../pg-writer';
import type { RoundFigures } from './round';
import type { SettingRecord } from './side';

export function machineNow(): { at: string; loadavg: number[] } {
  return { at: new Date().toISOString(), loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) };
}

export function commitOf(root: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

const stats = (values: number[]) => (values.length ? summarize(values) : null);

export function byConfiguration(rounds: RoundFigures[]) {
  const names = [...new Set(rounds.map((r) => r.configuration))];
  return Object.fromEntries(
    names.map((name) => {
      const mine = rounds.filter((r) => r.configuration === name);
      const detections = mine.map((r) => r.detectionMs).filter((d): d is number => d !== null);
      return [
        name,
        {
          rounds: mine.length,
          detectionMs: stats(detections),
          detectionNotSeen: mine.length - detections.length,
          promotionMs: stats(mine.map((r) => r.promotionMs)),
          repointMs: stats(mine.map((r) => r.repointMs)),
          firstAckMs: stats(mine.map((r) => r.firstAckMs)),
          lostAcknowledged: mine.reduce((sum, r) => sum + r.lostAcknowledged, 0),
        },
      ];
    }),
  );
}

export interface ResultFile {
  benchmark: 'pg-failover-peers';
  commit: string;
  startedAt: string;
  finishedAt: string;
  nproc: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
  roundsPerConfiguration: number;
  order: string;
  settings: Record<string, Record<string, SettingRecord>>;
  summary: ReturnType<typeof byConfiguration>;
  lostAcknowledgedTotal: number;
  rounds: RoundFigures[];
  chart: string;
}
