// Planned failover: CLUSTER FAILOVER on a replica, then wait until the roles have swapped.
import { heartbeat, sleep } from '@temporalio/activity';
import { address, nodeById } from '../../policy/redis/redis-cluster-view';
import { FailureType, permanentFailure } from '../common/errors';
import { allViews, anyView, viewFrom, type RedisNodePool } from './redis-cluster-connections';

export function createRedisFailoverActivities(pool: RedisNodePool) {
  return {
    /**
     * `oldMasterId` comes from the workflow's first look, so a retry after the swap sees the
     * replica already master and only waits for the old master to report itself a replica.
     */
    async failoverRedisReplica(input: {
      replicaId: string;
      oldMasterId: string;
      deadlineEpochMs: number;
    }): Promise<{ newMaster: string; oldMaster: string }> {
      const view = await anyView(pool);
      const replica = nodeById(view, input.replicaId);
      const oldMaster = nodeById(view, input.oldMasterId);
      if (!replica || !oldMaster)
        throw permanentFailure(
          FailureType.UnknownNode,
          `replicaId: ${input.replicaId} or its master ${input.oldMasterId} is no longer in the cluster`,
        );
      let asked = false;
      for (let i = 0; i < 100_000; i++) {
        const [mine, theirs] = await Promise.all([viewFrom(pool, replica), viewFrom(pool, oldMaster)]);
        const me = mine.nodes.find((n) => n.myself);
        const them = theirs.nodes.find((n) => n.myself);
        if (me?.role === 'master' && them?.role === 'replica' && them.masterId === me.id) {
          // Done once every node has heard of the swap, so the next operation reads the new roles.
          const views = await allViews(pool);
          const agreed = views.every(
            (v) => nodeById(v, replica.id)?.role === 'master' && nodeById(v, oldMaster.id)?.masterId === replica.id,
          );
          if (agreed) return { newMaster: address(replica), oldMaster: address(oldMaster) };
        }
        if (me?.role === 'replica' && !asked) {
          // Without FORCE: the replica first catches up with its master, so no write is lost.
          await pool.node(replica).call('CLUSTER', 'FAILOVER');
          asked = true;
        }
        if (Date.now() > input.deadlineEpochMs)
          throw new Error(`roles of ${address(replica)} and ${address(oldMaster)} did not swap before the deadline`);
        heartbeat({ replica: address(replica), asked });
        await sleep(200);
      }
      throw new Error('gave up waiting for the failover');
    },
  };
}
