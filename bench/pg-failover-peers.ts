// Benchmark: PostgreSQL failover, ours against two real peers in one run. Five sides (ours
// at its defaults; Patroni and pg_auto_failover each at their defaults and tuned) take the
// same SIGKILL (the postmaster; then the whole node with its agent) under the same writer,
// in interleaved rounds: A B C D E, A B C D E, … Writes
// bench/results/pg-failover-peers-<time>.json and the timelines beside it as .svg.
//
//   bash infra/local/install-deps.sh bench-peers           # Patroni + etcd + pg_auto_failover, once
//   set -a; . <your env file>; set +a; bash infra/local/stack.sh services
//   npm run build && node dist/bench/pg-failover-peers.js [--quick | --rounds 10] [--kills postmaster,node] [--sides ours,patroni-tuned]
//   node dist/bench/pg-failover-peers.js --chart-from bench/results/<file>.json   # draws the chart again
//
// Ports (loopback only): etcd 2479/2480, Patroni PostgreSQL 5482–5487 and REST 8482–8487,
// pg_auto_failover monitors 5490 / 5495 with their nodes on the next three ports.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ports } from '../testkit/ports';
import { repoRoot, stateDir } from '../testkit/stack';
import { renderTimelineSvg } from './peers/chart';
import { BenchEtcd, ETCD_BIN, ETCD_CLIENT_PORT, ETCD_PEER_PORT } from './peers/etcd';
import { OursSide } from './peers/ours';
import { PatroniSide } from './peers/patroni';
import { PATRONI_VERSION } from './peers/patroni-settings';
import { PgAutoFailoverSide } from './peers/pg-auto-failover';
import { checkBinaries, checkOursUp, checkPortsFree, checkRounds, PreflightError } from './peers/preflight';
import { PG_BIN } from './peers/processes';
import { byConfiguration, commitOf, machineNow, type ResultFile } from './peers/report';
import { runRound, type RoundFigures } from './peers/round';
import { KILL_KINDS, type KillKind, type Side } from './peers/side';

const PATRONI_PORTS = { default: { pg: 5482, rest: 8482 }, tuned: { pg: 5485, rest: 8485 } };
const PAF_MONITORS = { default: 5490, tuned: 5495 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function patroniBin(): string {
  const cache = process.env.JARVIS_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'jarvis-scale');
  return process.env.PATRONI_BIN ?? path.join(cache, `patroni-${PATRONI_VERSION}`, 'bin', 'patroni');
}

/** Every port the peers will listen on, and what for. */
function peerPorts(): Record<number, string> {
  const out: Record<number, string> = { [ETCD_CLIENT_PORT]: 'etcd client', [ETCD_PEER_PORT]: 'etcd peer' };
  for (const [profile, p] of Object.entries(PATRONI_PORTS))
    for (let i = 0; i < 3; i++) {
      out[p.pg + i] = `patroni-${profile} PostgreSQL`;
      out[p.rest + i] = `patroni-${profile} REST API`;
    }
  for (const [profile, monitor] of Object.entries(PAF_MONITORS))
    for (let i = 0; i < 4; i++) out[monitor + i] = `pg_auto_failover-${profile} ${i === 0 ? 'monitor' : `node${i}`}`;
  return out;
}

async function preflight(): Promise<{ rounds: number; kills: KillKind[] }> {
  const rounds = process.argv.includes('--quick') ? 3 : Number(arg('rounds') ?? '10');
  checkRounds(rounds);
  const kills = (arg('kills') ?? KILL_KINDS.join(',')).split(',') as KillKind[];
  const bad = kills.filter((k) => !KILL_KINDS.includes(k));
  if (bad.length) throw new PreflightError(`--kills takes ${KILL_KINDS.join(', ')} (got ${bad.join(', ')})`);
  checkBinaries({
    Patroni: patroniBin(),
    etcd: ETCD_BIN,
    pg_autoctl: process.env.PG_AUTOCTL ?? '/usr/bin/pg_autoctl',
    'PostgreSQL 15': `${PG_BIN}/postgres`,
  });
  await checkPortsFree(peerPorts());
  await checkOursUp({ [ports.pgPrimary]: 'our primary', [ports.pgReplica1]: 'our replica1', [ports.pgReplica2]: 'our replica2' });
  return { rounds, kills };
}

/** A B C D E, A B C D E, …: every side once per kill kind before any side goes again. */
async function interleaved(sides: Side[], rounds: number, kills: KillKind[]) {
  const done: RoundFigures[] = [];
  const failed: Array<{ configuration: string; round: number; error: string }> = [];
  for (let round = 1; round <= rounds; round++)
    for (const kind of kills)
      for (const side of sides) {
        try {
          done.push(await runRound(side, kind, round));
        } catch (error) {
          const message = (error as Error).message;
          failed.push({ configuration: `${side.name}/${kind}`, round, error: message });
          process.stderr.write(`${side.name}/${kind} round ${round} failed: ${message}\n`);
        }
      }
  return { done, failed };
}

/** `--chart-from <results.json>`: draws a results file's timelines again (beside it, same name, .svg). */
async function redraw(file: string): Promise<void> {
  const result = JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
  const base = path.basename(file, '.json');
  writeFileSync(
    path.join(path.dirname(file), `${base}.svg`),
    await renderTimelineSvg(result.rounds, `PostgreSQL failover timelines (${base})`),
  );
}

async function main(): Promise<void> {
  const from = arg('chart-from');
  if (from) return redraw(from);
  const { rounds, kills } = await preflight();
  const before = machineNow();
  const dir = path.join(stateDir, 'bench-peers');
  const etcd = new BenchEtcd(path.join(dir, 'etcd'));
  const ours = new OursSide();
  const peers: Side[] = [
    new PatroniSide(
      'default',
      path.join(dir, 'patroni-default'),
      PATRONI_PORTS.default.pg,
      PATRONI_PORTS.default.rest,
      etcd.endpoint,
      patroniBin(),
    ),
    new PatroniSide(
      'tuned',
      path.join(dir, 'patroni-tuned'),
      PATRONI_PORTS.tuned.pg,
      PATRONI_PORTS.tuned.rest,
      etcd.endpoint,
      patroniBin(),
    ),
    new PgAutoFailoverSide('default', path.join(dir, 'paf-default'), PAF_MONITORS.default),
    new PgAutoFailoverSide('tuned', path.join(dir, 'paf-tuned'), PAF_MONITORS.tuned),
  ];
  // --sides limits a run to some configurations (checking one peer); a full run takes all five.
  const only = arg('sides')?.split(',');
  const chosen = (side: Side) => !only || only.includes(side.name);
  const sides: Side[] = [ours, ...peers].filter(chosen);
  peers.splice(0, peers.length, ...peers.filter(chosen));
  let outcome: Awaited<ReturnType<typeof interleaved>>;
  try {
    await etcd.start();
    process.stdout.write('starting Patroni (2 clusters) and pg_auto_failover (2 formations)\n');
    await Promise.all(peers.map((p) => p.start()));
    outcome = await ours.within(async () => {
      if (sides.includes(ours)) await ours.start();
      return interleaved(sides, rounds, kills);
    });
  } finally {
    await Promise.all(peers.map((p) => p.stop().catch(() => undefined)));
    await etcd.stop();
  }
  const after = machineNow();
  const base = `pg-failover-peers-${before.at.replace(/[:.]/g, '-')}`;
  const results = path.join(repoRoot, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const result: ResultFile & { failedRounds: typeof outcome.failed } = {
    benchmark: 'pg-failover-peers',
    commit: commitOf(repoRoot),
    startedAt: before.at,
    finishedAt: after.at,
    nproc: os.availableParallelism(),
    loadavgBefore: before.loadavg,
    loadavgAfter: after.loadavg,
    roundsPerConfiguration: rounds,
    order: `interleaved: for each round, for each kill (${kills.join(', ')}), ${sides.map((s) => s.name).join(' → ')}`,
    settings: Object.fromEntries(sides.map((s) => [s.name, s.settings()])),
    summary: byConfiguration(outcome.done),
    lostAcknowledgedTotal: outcome.done.reduce((sum, r) => sum + r.lostAcknowledged, 0),
    rounds: outcome.done,
    failedRounds: outcome.failed,
    chart: `${base}.svg`,
  };
  writeFileSync(path.join(results, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(results, `${base}.svg`), await renderTimelineSvg(outcome.done, `PostgreSQL failover timelines (${base})`));
  process.stdout.write(`results: bench/results/${base}.json and .svg\n`);
  for (const [name, s] of Object.entries(result.summary))
    process.stdout.write(`${name}: first acknowledged write p50 ${s.firstAckMs?.p50 ?? '-'} ms, lost ${s.lostAcknowledged}\n`);
  if (result.lostAcknowledgedTotal !== 0) throw new Error(`${result.lostAcknowledgedTotal} acknowledged writes were lost (must be 0)`);
  if (outcome.failed.length) throw new Error(`${outcome.failed.length} round(s) failed; see failedRounds in ${base}.json`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(error instanceof PreflightError ? `refused: ${error.message}\n` : `${(error as Error).stack}\n`);
    process.exit(error instanceof PreflightError ? 2 : 1);
  },
);
