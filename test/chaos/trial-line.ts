// The one log line of a trial: its operation, outcome, every strike and fault, the
// invariants' verdict and what the restore did.
import type { TrialReport } from './report';

export function trialLine(trial: TrialReport): string {
  const { kills, serverRestarts, faults, outcome, violations, restore } = trial;
  const chaos = [
    ...kills.map((k) => `kill@${k.atMs}ms(${k.workflowStatus}${k.pendingActivities.length ? ` in ${k.pendingActivities.join('+')}` : ''})`),
    ...serverRestarts.map((r) => `${r.kind}@${r.atMs}ms(${r.workflowStatus}, down ${r.downMs}ms)`),
    ...faults.map((f) =>
      f.struck
        ? `${f.kind}:${f.target}@${f.atMs}ms(${f.victim}; ${f.workflowStatus}${f.pendingActivities.length ? ` in ${f.pendingActivities.join('+')}` : ''})`
        : `${f.kind}:${f.target} missed (${f.detail})`,
    ),
  ].join(' ');
  const lost = trial.redisLostAcrossFailover?.count
    ? `; ${trial.redisLostAcrossFailover.count} Redis writes lost across a crash failover`
    : '';
  const t = trial.traffic;
  const traffic = t
    ? `; traffic ${t.sent.GET} GET + ${t.sent.POST} POST, ${t.failed.GET + t.failed.POST} failed${t.byCause.unexplained ? ` (${t.byCause.unexplained} unexplained)` : ''}`
    : '';
  return (
    `[chaos] trial ${trial.index} ${trial.operation}: ${outcome.status}${outcome.failure ? ` ${outcome.failure.type}` : ''} in ${trial.operationMs} ms; ${chaos || 'no chaos'}; ` +
    `${violations.length ? `VIOLATIONS: ${violations.join(' | ')}` : 'all invariants held'}${lost}${traffic}; restore ${restore.error ? `FAILED: ${restore.error}` : restore.actions.join(', ') || 'nothing to do'} (${restore.ms} ms)`
  );
}
