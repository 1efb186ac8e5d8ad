// Which standby to promote. The one holding the most WAL wins: with quorum commit
// (ANY 1) every acknowledged commit is flushed on at least one standby, so the standby
// with the highest received LSN holds every acknowledged commit. Ties go to the higher
// replayed LSN (less to replay), then to the name, so the choice is deterministic.
import { heldLsn, lsnDiffBytes, lsnToBigInt, type ServerProbe } from './pg-cluster';

export type CandidateChoice =
  | {
      ok: true;
      code: 'CandidateCaughtUp' | 'CandidateLagsNeedsApproval' | 'CandidateLagUnknownNeedsApproval';
      name: string;
      lsn: string;
      lagBytes: number | null;
      needsApproval: boolean;
      reason: string;
    }
  | { ok: false; code: 'NoCandidate'; reason: string };

export function chooseCandidate(
  servers: ServerProbe[],
  failedPrimary: string,
  lastKnownPrimaryLsn: string | null,
  maxLagBytes: number,
): CandidateChoice {
  const standbys = servers
    .filter((s) => s.name !== failedPrimary && s.reachable && s.inRecovery === true && heldLsn(s) !== null)
    .map((s) => ({ probe: s, held: heldLsn(s) as string, replay: s.replayLsn ?? '0/0' }));
  if (standbys.length === 0)
    return { ok: false, code: 'NoCandidate', reason: `no reachable standby other than ${failedPrimary} reports a WAL position` };
  standbys.sort((a, b) => {
    const byHeld = lsnToBigInt(b.held) - lsnToBigInt(a.held);
    if (byHeld !== 0n) return byHeld > 0n ? 1 : -1;
    const byReplay = lsnToBigInt(b.replay) - lsnToBigInt(a.replay);
    if (byReplay !== 0n) return byReplay > 0n ? 1 : -1;
    return a.probe.name.localeCompare(b.probe.name);
  });
  const best = standbys[0];
  if (lastKnownPrimaryLsn === null) {
    return {
      ok: true,
      code: 'CandidateLagUnknownNeedsApproval',
      name: best.probe.name,
      lsn: best.held,
      lagBytes: null,
      needsApproval: true,
      reason: `${best.probe.name} holds the most WAL (${best.held}), but the primary's last position is unknown`,
    };
  }
  const lagBytes = Math.max(0, lsnDiffBytes(lastKnownPrimaryLsn, best.held));
  if (lagBytes > maxLagBytes) {
    return {
      ok: true,
      code: 'CandidateLagsNeedsApproval',
      name: best.probe.name,
      lsn: best.held,
      lagBytes,
      needsApproval: true,
      reason: `${best.probe.name} is ${lagBytes} bytes behind the primary's last known position ${lastKnownPrimaryLsn}, over maxLagBytes=${maxLagBytes}`,
    };
  }
  return {
    ok: true,
    code: 'CandidateCaughtUp',
    name: best.probe.name,
    lsn: best.held,
    lagBytes,
    needsApproval: false,
    reason: `${best.probe.name} holds the most WAL (${best.held}), ${lagBytes} bytes behind the primary's last known position`,
  };
}
