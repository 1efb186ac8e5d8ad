// The summary of a long pass over several seeds: per fault (kind and target), how often it
// was planned, struck, struck while the operation ran, and the violations of the trials it
// struck; plus the worker kills and server crashes, and the run's totals. JSON and a
// Markdown table, under bench/results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trafficTotals, type ChaosReport, type TrialReport } from './report';

interface Row {
  fault: string;
  planned: number;
  struck: number;
  whileRunning: number;
  trialsWithViolations: number;
  /** Failed requests of the traffic this fault explained. */
  trafficFailures: number;
}

function rowsOf(trials: TrialReport[]): Row[] {
  const rows = new Map<string, Row>();
  const row = (fault: string) =>
    rows.get(fault) ??
    rows.set(fault, { fault, planned: 0, struck: 0, whileRunning: 0, trialsWithViolations: 0, trafficFailures: 0 }).get(fault)!;
  for (const t of trials) {
    const entries = [
      ...t.kills.map((k) => ({ key: 'worker SIGKILL', struck: k.killed, running: k.workflowStatus === 'RUNNING' })),
      ...t.serverRestarts.map((r) => ({ key: r.kind, struck: true, running: r.workflowStatus === 'RUNNING' })),
      ...(t.faults ?? []).map((f) => ({ key: `${f.kind} ${f.target}`, struck: f.struck, running: f.workflowStatus === 'RUNNING' })),
    ];
    for (const e of entries) {
      const r = row(e.key);
      r.planned += 1;
      if (e.struck) r.struck += 1;
      if (e.struck && e.running) r.whileRunning += 1;
    }
    for (const key of new Set(entries.filter((e) => e.struck).map((e) => e.key)))
      if (t.violations.length) row(key).trialsWithViolations += 1;
    // A cause reads "<kind> <target>: <victim>", the fault's row; failures no fault explains get their own row.
    for (const f of t.traffic?.failures ?? []) row(f.cause ? f.cause.split(':')[0] : 'unexplained traffic failure').trafficFailures += 1;
  }
  return [...rows.values()].sort((a, b) => a.fault.localeCompare(b.fault));
}

export function writeSummary(
  outDir: string,
  reports: Array<{ file: string; report: ChaosReport }>,
): { json: string; markdown: string; table: string } {
  const trials = reports.flatMap((r) => r.report.trials);
  const rows = rowsOf(trials);
  const violations = trials.reduce((n, t) => n + t.violations.length, 0);
  const lost = trials.reduce((n, t) => n + (t.redisLostAcrossFailover?.count ?? 0), 0);
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const header =
    '| fault | planned | struck | while the operation ran | trials with a violation | traffic failures it explains |\n|---|---|---|---|---|---|';
  const table = [
    header,
    ...rows.map(
      (r) => `| ${r.fault} | ${r.planned} | ${r.struck} | ${r.whileRunning} | ${r.trialsWithViolations} | ${r.trafficFailures} |`,
    ),
  ].join('\n');
  const seeds = reports.map((r) => r.report.seed);
  const stamp = `chaos-summary-seeds${seeds.join('-')}-${trials.length}trials`;
  mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${stamp}.json`);
  const markdown = path.join(outDir, `${stamp}.md`);
  const totals = {
    trials: trials.length,
    violations,
    redisWritesLostAcrossFailover: lost,
    traffic: trafficTotals(trials),
    stoppedEarly: reports.map((r) => r.report.stoppedEarly).filter(Boolean),
  };
  const machine = { commit, nproc: os.cpus().length, loadavg: os.loadavg(), node: process.version };
  writeFileSync(
    json,
    `${JSON.stringify({ seeds, reports: reports.map((r) => path.basename(r.file)), machine, totals, faults: rows }, null, 2)}\n`,
  );
  writeFileSync(
    markdown,
    `# Chaos long pass: seeds ${seeds.join(', ')}, ${trials.length} trials\n\ncommit ${commit}, ${machine.nproc} CPUs, load ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')} at the end\n\n` +
      `${table}\n\n${violations} invariant violations; ${lost} acknowledged Redis writes lost across a master's crash failover (reported, allowed).\n` +
      `Traffic through the load balancer: ${totals.traffic.sent} requests, ${totals.traffic.failed} failed, ${totals.traffic.unexplained} with no struck fault to explain them, ${totals.traffic.closedByReload} reset on a keep-alive connection an nginx reload closed.\n`,
  );
  return { json, markdown, table };
}
