// Which failed nodes redisFix forgets. CLUSTER FORGET bans a node id for 60 s only, so a node
// that missed the FORGET of a removal (it was dead or stopped at the time) keeps the removed
// node and, once it is back, gossips it to the others again: every node then lists a ghost
// `host:port master,fail` with no slots (chaos seed 1 trial 2, docs/chaos.md). A ghost is
// told from a member that is only down by what it owns and what answers at its address.
// Pure: the activity gathers the facts (every live node's CLUSTER NODES, and a CLUSTER MYID
// sent to the ghost's address), this decides.

/** What the live nodes say about one node that some of them list as failing. */
export interface GhostFacts {
  id: string;
  address: string;
  /** How many live nodes list it, and how many of those list it failing (fail, fail?, noaddr, handshake). */
  listedBy: number;
  failingIn: number;
  /** Some live node lists it as a replica. */
  replicaInSomeView: boolean;
  /** The most slots any live node gives it. */
  slots: number;
  /** Live nodes that name it as their master. */
  replicas: number;
  /** What its address answered to CLUSTER MYID: nothing, another node's id, or its own id. */
  answer: 'unreachable' | 'other-node' | 'itself';
}

export type GhostReason =
  /** Failed everywhere, owns nothing, and nothing answers at its address: a removed node gossiped back. */
  | 'GhostUnreachable'
  /** As above, but another node now listens at its address (the port was reused). */
  | 'GhostAddressReused'
  /** It answers as itself: a member, maybe slow; never forgotten. */
  | 'Answers'
  /** Some live node still sees it healthy. */
  | 'NotFailingEverywhere'
  /** It serves slots in some view: a dead master whose replica may not have taken over yet. */
  | 'OwnsSlots'
  /** A live node replicates from it. */
  | 'HasReplicas'
  /** A replica that is down is a member waiting to be restarted, not a ghost: only empty masters are forgotten. */
  | 'IsReplica';

/** One failed node redisFix looked at, and what it decided (in its result). */
export interface GhostNode {
  id: string;
  address: string;
  forget: boolean;
  reason: GhostReason;
}

export type GhostDecision = { kind: 'forget'; reason: GhostReason } | { kind: 'keep'; reason: GhostReason };

export function decideGhost(f: GhostFacts): GhostDecision {
  if (f.answer === 'itself') return { kind: 'keep', reason: 'Answers' };
  if (f.listedBy === 0 || f.failingIn < f.listedBy) return { kind: 'keep', reason: 'NotFailingEverywhere' };
  if (f.slots > 0) return { kind: 'keep', reason: 'OwnsSlots' };
  if (f.replicas > 0) return { kind: 'keep', reason: 'HasReplicas' };
  if (f.replicaInSomeView) return { kind: 'keep', reason: 'IsReplica' };
  return { kind: 'forget', reason: f.answer === 'other-node' ? 'GhostAddressReused' : 'GhostUnreachable' };
}
