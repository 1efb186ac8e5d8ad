// publishPgTopology: the topology the app's pools follow, with an epoch that grows with
// each change. Idempotent: the same members again change nothing (but a Redis copy that
// lags behind the file, after a crash between the two writes, is brought up to date).
import type { WorkerConfig } from '../../config/worker-config';
import { memberOf, sameMembers, type PgTopology } from '../../policy/postgres/pg-cluster';
import { pgServer } from './postgres-servers';
import { readTopologyFile, writeTopologyFile } from './pg-topology-file';
import { readRedisTopology, writeRedisTopology } from './pg-topology-redis';

export interface PublishTopologyRequest {
  cluster: string;
  primary: string;
  replicas: string[];
}

export interface PublishTopologyResult {
  topology: PgTopology;
  changed: boolean;
}

export function createPgTopologyActivities(config: WorkerConfig) {
  return {
    async publishPgTopology(request: PublishTopologyRequest): Promise<PublishTopologyResult> {
      const member = (name: string) => memberOf(pgServer(config.postgres, name));
      const wanted = {
        primary: member(request.primary),
        replicas: request.replicas.map(member).sort((a, b) => a.name.localeCompare(b.name)),
      };
      const [fromFile, fromRedis] = await Promise.all([
        readTopologyFile(config.stateDir),
        readRedisTopology(config.redis, request.cluster),
      ]);
      const current = [fromFile, fromRedis].filter((t): t is PgTopology => t !== null).sort((a, b) => b.epoch - a.epoch)[0] ?? null;
      if (current && sameMembers(current, wanted)) {
        if (!fromFile || fromFile.epoch !== current.epoch) await writeTopologyFile(config.stateDir, current);
        if (!fromRedis || fromRedis.epoch !== current.epoch) await writeRedisTopology(config.redis, current);
        return { topology: current, changed: false };
      }
      const topology: PgTopology = {
        cluster: request.cluster,
        epoch: (current?.epoch ?? 0) + 1,
        ...wanted,
        updatedAt: new Date().toISOString(),
      };
      await writeTopologyFile(config.stateDir, topology);
      await writeRedisTopology(config.redis, topology);
      return { topology, changed: true };
    },
  };
}
