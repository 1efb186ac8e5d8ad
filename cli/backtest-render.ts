// The backtest as text: each decision the policy would have taken, then the totals.
import type { BacktestResult } from '../policy/scaling/backtest';

const time = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function renderBacktest(r: BacktestResult, o: { service: string; source: string; plot?: string }): string {
  const s = r.summary;
  const c = r.config;
  const lines = [
    `${o.service}: ${s.checks} checks replayed from ${o.source}`,
    `settings: up at ${c.scaleUpThreshold} × target (tolerance ${c.tolerance}), down at ${c.scaleDownThreshold}, targets CPU ${c.targetCPU} %, memory ${c.targetMemory} %, ${c.targetRequestRate} req/s; ${c.minInstances}–${c.maxInstances} instances, step ${c.maxStep}, cooldown ${c.cooldownSeconds} s, window ${c.stabilizationWindowSeconds} s`,
    '',
    'time                  actual  policy  decision',
  ];
  for (const step of r.steps) {
    if (step.action !== 'scaleUp' && step.action !== 'scaleDown') continue;
    const u = step.utilization;
    const load = u ? `cpu ${u.cpu.toFixed(2)}, memory ${u.memory.toFixed(2)}, requests ${u.requestRate.toFixed(2)} of target` : '';
    lines.push(
      `${time(step.atMs)}  ${String(step.actualInstances).padStart(6)}  ${`${step.simulatedBefore}→${step.simulatedAfter}`.padStart(6)}  ${step.action} (${step.reason}${step.metric ? ` on ${step.metric}` : ''}); ${load}`,
    );
  }
  if (s.scaleUps + s.scaleDowns === 0) lines.push('(no scale operation)');
  lines.push(
    '',
    `scale-ups ${s.scaleUps}, scale-downs ${s.scaleDowns}; peak ${s.peakSimulated} simulated vs ${s.peakActual} actual`,
    `instance-seconds ${s.simulatedInstanceSeconds} simulated vs ${s.actualInstanceSeconds} actual; ${s.checksOverScaleUpBar} checks at or past the scale-up bar`,
    `reason codes: ${Object.entries(s.reasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (o.plot) lines.push(`timeline: ${o.plot}`);
  return lines.join('\n');
}
