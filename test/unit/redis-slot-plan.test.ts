import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverageProblems, parseClusterNodes, slotCount, slotOwners, type ClusterView } from '../../policy/redis/redis-cluster-view';
import {
  laneGroups,
  pairChunks,
  planDrain,
  planMoveCount,
  planMoveRanges,
  planRebalance,
  type SlotPlan,
} from '../../policy/redis/redis-slot-plan';

const id = (c: string) => c.repeat(40);
const A = id('a');
const B = id('b');
const C = id('c');
const D = id('d'); // empty master
const R = id('e'); // replica of A
const E = id('f'); // second empty master

// A 3-master cluster as redis-cli --cluster create lays it out, plus an empty master and a replica.
const nodesText = [
  `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460`,
  `${B} 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922`,
  `${C} 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383`,
  `${D} 127.0.0.1:7006@17006 master - 0 0 0 connected`,
  `${E} 127.0.0.1:7007@17007 master - 0 0 0 connected`,
  `${R} 127.0.0.1:7003@17003 slave ${A} 0 0 1 connected`,
].join('\n');
const view: ClusterView = parseClusterNodes(nodesText, '127.0.0.1:7000');

function ownedAfter(v: ClusterView, plan: SlotPlan): Map<string, number> {
  const owners = slotOwners(v);
  for (const pair of plan.pairs)
    for (const [a, b] of pair.ranges)
      for (let s = a; s <= b; s++) {
        assert.equal(owners[s], pair.source.id, `slot ${s} moves from its owner`);
        owners[s] = pair.target.id;
      }
  const counts = new Map<string, number>();
  for (const o of owners) counts.set(o as string, (counts.get(o as string) ?? 0) + 1);
  return counts;
}

describe('parsing CLUSTER NODES', () => {
  it('reads roles, masters, slot ranges and open slots', () => {
    const v = parseClusterNodes(
      `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-10 12 [11->-${B}] [13-<-${C}]\n${R} 127.0.0.1:7003@17003,host slave ${A} 0 0 1 connected`,
      'x',
    );
    const a = v.nodes.find((n) => n.id === A);
    assert.deepEqual(a?.slots, [
      [0, 10],
      [12, 12],
    ]);
    assert.deepEqual(a?.migrating, [{ slot: 11, to: B }]);
    assert.deepEqual(a?.importing, [{ slot: 13, from: C }]);
    const r = v.nodes.find((n) => n.id === R);
    assert.equal(r?.role, 'replica');
    assert.equal(r?.masterId, A);
    assert.equal(r?.port, 7003);
    assert.deepEqual(
      coverageProblems([v])
        .map((p) => p.code)
        .sort(),
      ['SlotOpen', 'SlotOpen', 'SlotsUncovered'],
    );
  });

  it('finds no problem in a healthy cluster', () => {
    assert.deepEqual(coverageProblems([view]), []);
  });
});

describe('planning a move of N slots', () => {
  it('takes slots from every other master in proportion to what each owns, exactly N in all', () => {
    const result = planMoveCount(view, { target: D, count: 2000 });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.plan.totalSlots, 2000);
    const taken = result.plan.pairs.map((p) => slotCount(p.ranges));
    // 5461/5462/5461 of 16384: a "first source rounds up" rule (redis-cli) would give 667+666+666.
    assert.deepEqual(taken, [667, 667, 666]);
    assert.equal(ownedAfter(view, result.plan).get(D), 2000);
    assert.equal(result.plan.lanes.length, 1, 'every pair shares the target, so one lane');
  });

  it('takes only from the named sources', () => {
    const result = planMoveCount(view, { target: D, sources: [B], count: 10 });
    assert.ok(result.ok);
    assert.deepEqual(
      result.plan.pairs.map((p) => [p.source.id, p.ranges]),
      [[B, [[5461, 5470]]]],
    );
  });

  const rejections: Array<{ name: string; request: Parameters<typeof planMoveCount>[1]; code: string; message: RegExp }> = [
    { name: 'an unknown target', request: { target: id('9'), count: 1 }, code: 'UnknownNode', message: /^target: 9+ is not a node/ },
    { name: 'an unknown source', request: { target: D, sources: [id('8')], count: 1 }, code: 'UnknownNode', message: /^sources\[0\]/ },
    { name: 'a replica as target', request: { target: R, count: 1 }, code: 'NotAMaster', message: /replica/ },
    { name: 'a replica as source', request: { target: D, sources: [R], count: 1 }, code: 'NotAMaster', message: /sources\[0\].*replica/ },
    {
      name: 'the target among the sources',
      request: { target: A, sources: [A], count: 1 },
      code: 'InvalidInput',
      message: /also the target/,
    },
    {
      name: 'more slots than the sources own',
      request: { target: D, sources: [B], count: 5463 },
      code: 'NotEnoughSlots',
      message: /5463 slots requested but the sources own only 5462/,
    },
  ];
  for (const c of rejections) {
    it(`rejects ${c.name}`, () => {
      const result = planMoveCount(view, c.request);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, c.code);
      assert.match(result.message, c.message);
    });
  }
});

describe('planning a move of named ranges', () => {
  it('groups slots by their owner and skips those the target owns', () => {
    const result = planMoveRanges(view, {
      target: A,
      ranges: [
        [5000, 5470],
        [16383, 16383],
      ],
    });
    assert.ok(result.ok);
    assert.deepEqual(
      result.plan.pairs.map((p) => [p.source.id, p.ranges]),
      [
        [B, [[5461, 5470]]],
        [C, [[16383, 16383]]],
      ],
    );
    assert.equal(result.plan.totalSlots, 11);
  });

  it('refuses a slot that belongs to a master that is not a named source', () => {
    const result = planMoveRanges(view, { target: D, sources: [A], ranges: [[5460, 5461]] });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.message, /slot 5461 belongs to b+, which is not one of the sources/);
  });
});

describe('planning a rebalance', () => {
  it('does nothing when every master is within the threshold', () => {
    const result = planRebalance(view, { thresholdPercent: 2, useEmptyMasters: false });
    assert.ok(result.ok);
    assert.equal(result.withinThreshold, true);
    assert.equal(result.plan.totalSlots, 0);
  });

  it('fills empty masters when asked, and ends within the threshold', () => {
    const result = planRebalance(view, { thresholdPercent: 2, useEmptyMasters: true });
    assert.ok(result.ok);
    assert.equal(result.withinThreshold, false);
    const after = ownedAfter(view, result.plan);
    for (const n of [A, B, C, D, E]) {
      const owned = after.get(n) ?? 0;
      assert.ok(Math.abs(owned - 16384 / 5) <= 1, `${n.slice(0, 1)} owns ${owned}, expected about 3277`);
    }
    // Pairs into D and into E share no node only if their sources differ; lanes never share a node.
    for (const lane of result.plan.lanes)
      for (const other of result.plan.lanes) {
        if (lane === other) continue;
        const nodes = (l: number[]) => new Set(l.flatMap((i) => [result.plan.pairs[i].source.id, result.plan.pairs[i].target.id]));
        for (const n of nodes(lane)) assert.ok(!nodes(other).has(n), 'lanes are node-disjoint');
      }
  });

  it('empties a master with weight 0', () => {
    const result = planRebalance(view, { weights: { [A]: 0 }, thresholdPercent: 2, useEmptyMasters: false });
    assert.ok(result.ok);
    const after = ownedAfter(view, result.plan);
    assert.equal(after.get(A) ?? 0, 0);
    assert.equal((after.get(B) ?? 0) + (after.get(C) ?? 0), 16384);
  });

  it('rejects a weight for a replica', () => {
    const result = planRebalance(view, { weights: { [R]: 2 }, thresholdPercent: 2, useEmptyMasters: false });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.code, 'NotAMaster');
  });
});

describe('planning a drain and lanes', () => {
  it("gives a master's slots to the least-loaded masters first", () => {
    const result = planDrain(view, A);
    assert.ok(result.ok);
    const after = ownedAfter(view, result.plan);
    assert.equal(after.get(A) ?? 0, 0);
    // Water-filling: the two empty masters take everything before the full ones get any.
    assert.deepEqual(
      [B, C, D, E].map((n) => after.get(n) ?? 0),
      [5462, 5461, 2731, 2730],
    );
    // Contiguous runs: slot-by-slot round robin would have produced thousands of ranges.
    assert.deepEqual(
      result.plan.pairs.map((p) => p.ranges),
      [[[0, 2730]], [[2731, 5460]]],
    );
  });

  it('puts node-disjoint pairs into separate lanes and chained pairs into one', () => {
    const n = (x: string) => ({ id: x, host: '127.0.0.1', port: 1 });
    assert.deepEqual(
      laneGroups([
        { source: n(A), target: n(D) },
        { source: n(B), target: n(E) },
        { source: n(C), target: n(D) },
      ]),
      [[0, 2], [1]],
    );
  });

  it('cuts a pair into ordered chunks', () => {
    const n = { id: A, host: '127.0.0.1', port: 1 };
    assert.deepEqual(
      pairChunks(
        {
          source: n,
          target: n,
          ranges: [
            [0, 2],
            [10, 11],
          ],
        },
        2,
      ),
      [[0, 1], [2, 10], [11]],
    );
  });
});
