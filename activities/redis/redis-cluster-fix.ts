// Open-slot and split-brain facts for redisFix, and closing a slot that holds nothing to move.
import { slotOwners, masters, type ClusterView } from '../../policy/redis/redis-cluster-view';
import type { OpenSlotFacts } from '../../policy/redis/redis-slot-steps';
import { allViews, viewFrom, type RedisNodePool } from './redis-cluster-connections';
import { splitSlotFacts } from './redis-slot-owners';

/** The owner most views agree on, or null when the majority sees none. */
function majorityOwner(views: ClusterView[], slot: number): string | null {
  const votes = new Map<string | null, number>();
  for (const v of views) {
    const o = slotOwners(v)[slot];
    votes.set(o, (votes.get(o) ?? 0) + 1);
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

export function createRedisFixActivities(pool: RedisNodePool) {
  return {
    /** Every open slot, every slot some node sees uncovered and every slot more than one master owns, with keys per master. */
    async findOpenRedisSlots(): Promise<OpenSlotFacts[]> {
      const views = await allViews(pool);
      const open = new Set<number>();
      for (const v of views) {
        const me = v.nodes.find((n) => n.myself);
        for (const m of me?.migrating ?? []) open.add(m.slot);
        for (const i of me?.importing ?? []) open.add(i.slot);
        slotOwners(v).forEach((o, s) => o === null && open.add(s));
      }
      const facts: OpenSlotFacts[] = [];
      for (const slot of [...open].sort((a, b) => a - b).slice(0, 1000)) {
        const f: OpenSlotFacts = { slot, owner: majorityOwner(views, slot), migrating: [], importing: [], keys: {} };
        for (const v of views) {
          const me = v.nodes.find((n) => n.myself);
          if (!me) continue;
          for (const m of me.migrating) if (m.slot === slot) f.migrating.push({ node: me.id, to: m.to });
          for (const i of me.importing) if (i.slot === slot) f.importing.push({ node: me.id, from: i.from });
        }
        for (const m of masters(views[0])) f.keys[m.id] = Number(await pool.node(m).call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)));
        facts.push(f);
      }
      for (const split of await splitSlotFacts(pool, views, open)) {
        const known = facts.find((f) => f.slot === split.slot);
        if (known) known.split = split;
        else
          facts.push({ slot: split.slot, owner: majorityOwner(views, split.slot), migrating: [], importing: [], keys: split.keys, split });
      }
      return facts.sort((a, b) => a.slot - b.slot);
    },

    /** CLUSTER SETSLOT slot STABLE on one node, when it still has the slot open. */
    async closeRedisSlot(input: { node: { host: string; port: number }; slot: number }): Promise<boolean> {
      const view = await viewFrom(pool, input.node);
      const me = view.nodes.find((n) => n.myself);
      const open = me?.migrating.some((m) => m.slot === input.slot) || me?.importing.some((i) => i.slot === input.slot);
      if (!open) return false;
      await pool.node(input.node).call('CLUSTER', 'SETSLOT', String(input.slot), 'STABLE');
      return true;
    },
  };
}
