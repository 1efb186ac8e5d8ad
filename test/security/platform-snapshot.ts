// Everything a bad input must leave untouched, as one comparable text: the service's
// instances, nginx's upstream file, the PostgreSQL roles and replication, and the Redis
// Cluster's nodes and slot owners.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { slotOwners } from '../../policy/redis/redis-cluster-view';
import { PG_NAMES, pgPort, withPg } from '../../testkit/pg-cluster';
import { listContainers, SERVICE } from '../../testkit/platform';
import { clusterView } from '../../testkit/redis';
import { stateDir } from '../../testkit/stack';

export interface PlatformSnapshot {
  instances: string;
  nginxUpstream: string;
  postgres: string;
  redis: string;
}

async function postgresTopology(): Promise<string> {
  const rows = await Promise.all(
    PG_NAMES.map((name) =>
      withPg(pgPort(name), 'postgres', async (pg) => {
        // The timeline only on the primary, from its current WAL file: a standby's
        // checkpoint timeline moves by itself at its next restartpoint after a role change.
        const r = await pg.query(
          `SELECT pg_is_in_recovery() AS rec,
                  CASE WHEN pg_is_in_recovery() THEN NULL ELSE left(pg_walfile_name(pg_current_wal_lsn()), 8) END AS tli,
                  (SELECT sender_port FROM pg_stat_wal_receiver) AS sender,
                  (SELECT string_agg(application_name || ':' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication) AS standbys`,
        );
        return `${name}:${JSON.stringify(r.rows[0])}`;
      }),
    ),
  );
  return rows.join('\n');
}

async function redisTopology(): Promise<string> {
  const v = await clusterView();
  const nodes = [...v.nodes].sort((a, b) => a.id.localeCompare(b.id)).map((n) => [n.id, `${n.host}:${n.port}`, n.role, n.masterId]);
  return JSON.stringify({ nodes, owners: slotOwners(v) });
}

export async function takeSnapshot(): Promise<PlatformSnapshot> {
  const [instances, nginxUpstream, postgres, redis] = await Promise.all([
    listContainers().then((list) => JSON.stringify(list.map((i) => [i.name, i.running, i.version]).sort())),
    readFile(path.join(stateDir, 'nginx', 'upstreams', `${SERVICE}.conf`), 'utf8').catch(() => '(no upstream file)'),
    postgresTopology(),
    redisTopology(),
  ]);
  return { instances, nginxUpstream, postgres, redis };
}
