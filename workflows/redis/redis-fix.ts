// redisFix: repairs open slots and slots more than one master owns (split-brain) the way
// `redis-cli --cluster fix` does (policy/redis-slot-steps planSlotFix, policy/redis-slot-owners),
// and refuses the whole run, changing nothing, when any slot is a case it is not sure about.
// Then it forgets ghost nodes (policy/redis/redis-ghosts.ts): failed, empty masters that nothing
// answers for, which a node that missed a removal's CLUSTER FORGET gossiped back.
import { patched } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import { masters, nodeById } from '../../policy/redis/redis-cluster-view';
import { migrationOptionsOf, parseRedisFixInput, type RedisFixInput } from '../../policy/redis/redis-input';
import { planSlotFix, type FixAction } from '../../policy/redis/redis-slot-steps';
import type { GhostNode } from '../../policy/redis/redis-ghosts';
import { failure, validInput, redisMigrate, redisQuick, trackProgress, underRedisMutex, type RedisProgress } from './redis-common';

export interface RedisFixResult {
  dryRun: boolean;
  actions: Array<{ slot: number } & FixAction>;
  /** Failed nodes looked at, each with the decision (forgotten unless dryRun); absent in runs from before ghosts. */
  ghosts?: GhostNode[];
}

export async function redisFix(rawInput: unknown): Promise<RedisFixResult> {
  const input = validInput('redisFix', parseRedisFixInput(rawInput));
  return underRedisMutex(redisFix, 'redisFix', rawInput, 'redisFix', () => fixUnderMutex(input));
}

async function fixUnderMutex(input: RedisFixInput): Promise<RedisFixResult> {
  const progress = trackProgress(false);
  progress.step = 'inspect';
  const facts = await redisQuick.findOpenRedisSlots();
  const actions = facts.map((f) => ({ slot: f.slot, ...planSlotFix(f) }));
  const refused = actions.filter((a) => a.kind === 'refuse');
  if (refused.length > 0) {
    throw failure(
      FailureType.FixRefused,
      `redisFix changed nothing: ${refused.length} slot(s) need a person: ${refused
        .slice(0, 3)
        .map((a) => (a.kind === 'refuse' ? a.reason : ''))
        .join('; ')}`,
    );
  }
  if (input.dryRun || actions.length === 0) return withGhosts(input.dryRun, { dryRun: input.dryRun, actions }, progress);

  const view = await redisQuick.readRedisTopology();
  const allMasters = masters(view).map(({ id, host, port }) => ({ id, host, port }));
  for (const action of actions) {
    progress.detail = `slot ${action.slot}: ${action.kind}`;
    if (action.kind === 'finish-migration') {
      const source = nodeById(view, action.source);
      const target = nodeById(view, action.target);
      if (!source || !target)
        throw failure(FailureType.UnknownNode, `slot ${action.slot}: ${action.source} or ${action.target} left the cluster`);
      await redisMigrate.migrateRedisSlots({
        source,
        target,
        otherMasters: allMasters,
        slots: [action.slot],
        options: migrationOptionsOf(input),
      });
    } else if (action.kind === 'resolve-owners') {
      const ref = (id: string) => {
        const node = nodeById(view, id);
        if (!node) throw failure(FailureType.UnknownNode, `slot ${action.slot}: ${id} left the cluster`);
        return { id: node.id, host: node.host, port: node.port };
      };
      await redisMigrate.resolveRedisSlotOwners({
        slot: action.slot,
        owner: ref(action.owner),
        release: action.release.map(ref),
        moveFrom: action.moveFrom.map(ref),
      });
    } else if (action.kind === 'close') {
      const node = nodeById(view, action.node);
      if (!node) throw failure(FailureType.UnknownNode, `slot ${action.slot}: ${action.node} left the cluster`);
      await redisQuick.closeRedisSlot({ node: { host: node.host, port: node.port }, slot: action.slot });
    }
    progress.done.push(`slot ${action.slot}: ${action.kind}`);
  }
  return withGhosts(false, { dryRun: false, actions }, progress);
}

/** Looks for ghost nodes and, unless dryRun, forgets them. Runs from before this step return `result` as they did. */
async function withGhosts(dryRun: boolean, result: RedisFixResult, progress: RedisProgress): Promise<RedisFixResult> {
  progress.step = 'done';
  if (!patched('redis-fix-forgets-ghosts')) return result;
  progress.step = 'ghosts';
  const ghosts = await redisQuick.findRedisGhosts();
  if (!dryRun) {
    for (const ghost of ghosts.filter((g) => g.forget)) {
      await redisQuick.forgetRedisGhost({ nodeId: ghost.id });
      progress.done.push(`forgot ghost ${ghost.address} (${ghost.id.slice(0, 8)}): ${ghost.reason}`);
    }
  }
  progress.step = 'done';
  return { ...result, ghosts };
}
