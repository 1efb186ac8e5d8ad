// The decisions of pgFailover, as pure functions of what the probes saw. The workflow
// applies them: it fences, waits for an approval or promotes as told, and turns a refusal
// into its failure type. Each decision carries a reason code, as the HPA's do.
//
// 1. decideFailoverNeed: is a failover needed at all? The monitor's view may be seconds
//    old and an operator may start a failover by hand, so the workflow asks again. A
//    primary that answers and accepts writes is healthy: promoting a standby then would
//    make two writable servers, so the answer is no (a planned change is a switchover).
// 2. decidePromotion: which standby becomes the primary, after the old one is fenced. A
//    standby that is already writable was promoted by an earlier, interrupted run of this
//    failover: it is taken as is (AlreadyPromoted), since promoting another would make two.
//    Otherwise the standby holding the most WAL (pg-candidate.ts), and an operator must
//    approve when it may lack acknowledged commits or when the input asks for approval.
import { chooseCandidate, type CandidateChoice } from './pg-candidate';
import { writableServers, type ClusterObservation } from './pg-cluster';

export type FailoverNeed =
  | { action: 'failover'; code: 'PrimaryUnreachable' | 'PrimaryInRecovery'; oldPrimary: string; reason: string }
  | { action: 'none'; code: 'PrimaryHealthy'; oldPrimary: string; reason: string }
  | { action: 'refuse'; code: 'NoPrimaryKnown'; reason: string };

/** The failed primary is the published one; with no publication, the only writable server. */
export function decideFailoverNeed(observed: ClusterObservation): FailoverNeed {
  const writable = writableServers(observed.servers);
  const oldPrimary = observed.published?.primary.name ?? (writable.length === 1 ? writable[0].name : undefined);
  if (!oldPrimary) {
    return {
      action: 'refuse',
      code: 'NoPrimaryKnown',
      reason: `cluster ${observed.cluster} has no published topology and ${writable.length} writable servers, so the failed primary is unknown`,
    };
  }
  const old = observed.servers.find((s) => s.name === oldPrimary);
  if (old?.reachable && old.inRecovery === false) {
    return { action: 'none', code: 'PrimaryHealthy', oldPrimary, reason: `${oldPrimary} answers and accepts writes` };
  }
  if (old?.reachable) {
    return { action: 'failover', code: 'PrimaryInRecovery', oldPrimary, reason: `${oldPrimary} answers but is in recovery` };
  }
  return { action: 'failover', code: 'PrimaryUnreachable', oldPrimary, reason: `${oldPrimary} does not answer` };
}

export interface Approval {
  needed: boolean;
  code: 'NoApprovalNeeded' | 'ApprovalRequiredByInput' | 'CandidateNeedsApproval';
  why: string;
}

export type Promotion =
  | { action: 'adopt'; code: 'AlreadyPromoted'; name: string; lsn: string }
  | {
      action: 'promote';
      code: Extract<CandidateChoice, { ok: true }>['code'];
      choice: Extract<CandidateChoice, { ok: true }>;
      approval: Approval;
    }
  | { action: 'refuse'; code: 'NoCandidate'; reason: string };

export interface PromotionInput {
  /** The cluster as probed after the old primary was fenced. */
  afterFence: ClusterObservation;
  oldPrimary: string;
  /** The primary's WAL position at its last healthy probe (from the observation before the fence). */
  lastKnownPrimaryLsn: string | null;
  maxLagBytes: number;
  requireApproval: boolean;
}

/** The input's demand for approval wins over the candidate's own reason, so an operator sees why they were asked. */
export function approvalFor(choice: Extract<CandidateChoice, { ok: true }>, requireApproval: boolean): Approval {
  if (requireApproval) return { needed: true, code: 'ApprovalRequiredByInput', why: 'this failover requires approval' };
  if (choice.needsApproval) return { needed: true, code: 'CandidateNeedsApproval', why: choice.reason };
  return { needed: false, code: 'NoApprovalNeeded', why: choice.reason };
}

export function decidePromotion(input: PromotionInput): Promotion {
  const alreadyWritable = writableServers(input.afterFence.servers).filter((s) => s.name !== input.oldPrimary);
  if (alreadyWritable.length === 1) {
    return { action: 'adopt', code: 'AlreadyPromoted', name: alreadyWritable[0].name, lsn: alreadyWritable[0].currentLsn ?? '' };
  }
  const choice = chooseCandidate(input.afterFence.servers, input.oldPrimary, input.lastKnownPrimaryLsn, input.maxLagBytes);
  if (!choice.ok) return { action: 'refuse', code: 'NoCandidate', reason: choice.reason };
  return { action: 'promote', code: choice.code, choice, approval: approvalFor(choice, input.requireApproval) };
}
