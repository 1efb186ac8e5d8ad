import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterNode, ClusterView } from '../../policy/redis/redis-cluster-view';
import { BASE_NODE_COUNT, isBaseNode, masterWithFewestReplicas } from '../../policy/redis/redis-membership';

const id = (n: number) => String(n).repeat(40).slice(0, 40);
function master(n: number, port: number, slots = true, failing = false): ClusterNode {
  return {
    id: id(n),
    host: '127.0.0.1',
    port,
    role: 'master',
    masterId: null,
    slots: slots ? [[n * 100, n * 100 + 99]] : [],
    migrating: [],
    importing: [],
    failing,
    myself: false,
  };
}
function replica(n: number, port: number, of: number): ClusterNode {
  return {
    id: id(n),
    host: '127.0.0.1',
    port,
    role: 'replica',
    masterId: id(of),
    slots: [],
    migrating: [],
    importing: [],
    failing: false,
    myself: false,
  };
}
const view = (...nodes: ClusterNode[]): ClusterView => ({ reportedBy: '127.0.0.1:7000', nodes });

describe('the master with the fewest replicas', () => {
  const scenarios: Array<{ name: string; view: ClusterView; exclude?: string; expect: number | null; why: string }> = [
    {
      name: 'the master with no replica wins over those with one',
      view: view(master(1, 7000), master(2, 7001), master(3, 7002), replica(4, 7003, 1), replica(5, 7004, 2)),
      expect: 7002,
      why: 'picking by port alone would give 7000 a second replica and leave 7002 with none',
    },
    {
      name: 'a tie goes to the lowest port, so a resumed choice is the same',
      view: view(master(2, 7001), master(1, 7000), replica(4, 7003, 1), replica(5, 7004, 2)),
      expect: 7000,
      why: 'the view order is not stable; sorting only by count would depend on it',
    },
    {
      name: 'a master without slots is not a candidate',
      view: view(master(1, 7000), master(2, 7001), master(3, 7006, false), replica(4, 7003, 1), replica(5, 7004, 2)),
      expect: 7000,
      why: 'the empty new master has the fewest replicas but serves nothing worth a replica',
    },
    {
      name: 'a failing master is not a candidate',
      view: view(master(1, 7000), master(2, 7001, true, true), replica(4, 7003, 1)),
      expect: 7000,
      why: 'a replica pointed at a failed master never gets a link',
    },
    {
      name: 'the excluded master (the one being removed) is not a candidate',
      view: view(master(1, 7000), master(2, 7001), replica(4, 7003, 2), replica(5, 7004, 2)),
      exclude: id(1),
      expect: 7001,
      why: 'its replicas would be pointed back at the node being removed',
    },
    {
      name: 'no master with slots gives none',
      view: view(master(1, 7000, false), replica(4, 7003, 1)),
      expect: null,
      why: 'the caller refuses rather than replicate an empty master',
    },
  ];
  for (const s of scenarios) {
    it(s.name, () => assert.equal(masterWithFewestReplicas(s.view, s.exclude)?.port ?? null, s.expect, s.why));
  }

  it('spreads replicas re-pointed one at a time when the caller updates the view', () => {
    const orphans = [replica(7, 7007, 9), replica(8, 7008, 9)];
    const v = view(master(1, 7000), master(2, 7001), master(9, 7009), ...orphans);
    const chosen = orphans.map((r) => {
      const best = masterWithFewestReplicas(v, id(9));
      r.masterId = best?.id ?? null;
      return best?.port;
    });
    assert.deepEqual(chosen, [7000, 7001], 'counting once before the loop would send both to 7000');
  });
});

describe('the base six nodes', () => {
  it('on one host are REDIS_BASE_PORT..+5, whatever the base', () => {
    assert.equal(BASE_NODE_COUNT, 6);
    for (const base of [7000, 7200]) {
      const layout = { hostTemplate: '127.0.0.1', basePort: base };
      assert.deepEqual(
        [base - 1, base, base + 5, base + 6].map((port) => isBaseNode({ host: '127.0.0.1', port }, layout)),
        [false, true, true, false],
        'base+6 is the first extra node; an off-by-one would refuse to remove it or delete a base folder',
      );
      assert.equal(isBaseNode({ host: '127.0.0.2', port: base }, layout), false, 'another host is another node');
    }
  });

  it('on a host each ({n}) are hosts 1..6 on the one port', () => {
    const layout = { hostTemplate: '127.0.2.{n}', basePort: 7000 };
    assert.deepEqual(
      ['127.0.2.1:7000', '127.0.2.6:7000', '127.0.2.7:7000', '127.0.2.1:7001'].map((a) => {
        const [host, port] = a.split(':');
        return isBaseNode({ host, port: Number(port) }, layout);
      }),
      [true, true, false, false],
    );
  });

  it('from a history recorded before the settings had a host, are the six ports', () => {
    assert.equal(isBaseNode({ host: '127.0.2.3', port: 7002 }, { basePort: 7000 }), true);
    assert.equal(isBaseNode({ host: '127.0.2.7', port: 7006 }, { basePort: 7000 }), false);
  });
});
