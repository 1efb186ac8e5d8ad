import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideGhost, type GhostFacts } from '../../policy/redis/redis-ghosts';

const ghost: GhostFacts = {
  id: 'a'.repeat(40),
  address: '127.0.0.1:7106',
  listedBy: 6,
  failingIn: 6,
  replicaInSomeView: false,
  slots: 0,
  replicas: 0,
  answer: 'unreachable',
};

const rows: Array<[string, Partial<GhostFacts>, string, string]> = [
  ['a removed node gossiped back: failed everywhere, empty, nothing answers', {}, 'forget', 'GhostUnreachable'],
  ['known to the one node that missed the FORGET only', { listedBy: 1, failingIn: 1 }, 'forget', 'GhostUnreachable'],
  ['its port now serves another node', { answer: 'other-node' }, 'forget', 'GhostAddressReused'],
  ['it answers as itself (a slow member)', { answer: 'itself' }, 'keep', 'Answers'],
  ['one live node still sees it healthy', { failingIn: 5 }, 'keep', 'NotFailingEverywhere'],
  ['a dead master with slots (its replica has not taken over yet)', { slots: 5461 }, 'keep', 'OwnsSlots'],
  ['a live node replicates from it', { replicas: 1 }, 'keep', 'HasReplicas'],
  ['a dead replica waiting for a restart', { replicaInSomeView: true }, 'keep', 'IsReplica'],
  ['listed by nobody', { listedBy: 0, failingIn: 0 }, 'keep', 'NotFailingEverywhere'],
];

describe('decideGhost: which failed nodes redisFix forgets', () => {
  for (const [name, change, kind, reason] of rows) {
    it(name, () => assert.deepEqual(decideGhost({ ...ghost, ...change }), { kind, reason }));
  }
});
