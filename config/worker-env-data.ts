// PostgreSQL and Redis: where they are, and the control plane's own secrets for them.
import path from 'node:path';
import { z } from 'zod';
import { doc, host, hostPortList, hostTemplate, int, postgresUrl, repoRoot } from './env-kit';

const pgUrl = (what: string, server: string) =>
  doc(
    postgresUrl().optional(),
    `${what}, any host; the password never comes from the URL (it is dropped; passwords come from the secrets file)`,
    `postgresql://jarvis@PG_${server}_HOST:PG_${server}_PORT/jarvis`,
  );

const pgHost = (name: string) =>
  doc(host().default('127.0.0.1'), `the host of the server named \`${name}\` (one host per server; the same port on each is fine)`);

export const postgresEnv = {
  DATABASE_URL: pgUrl('the PostgreSQL primary until a topology is published', 'PRIMARY'),
  READ_REPLICA_1_URL: pgUrl('the first read replica', 'REPLICA1'),
  READ_REPLICA_2_URL: pgUrl('the second read replica', 'REPLICA2'),
  PG_PRIMARY_HOST: pgHost('primary'),
  PG_REPLICA1_HOST: pgHost('replica1'),
  PG_REPLICA2_HOST: pgHost('replica2'),
  PG_PRIMARY_PORT: doc(int(1, 65535).default(5432), 'the local server named `primary` (names stay whatever the role)'),
  PG_REPLICA1_PORT: doc(int(1, 65535).default(5433), 'the local server named `replica1`'),
  PG_REPLICA2_PORT: doc(int(1, 65535).default(5434), 'the local server named `replica2`'),
  PG_BIN: doc(z.string().min(1).default('/usr/lib/postgresql/15/bin'), 'the PostgreSQL binaries (`pg_ctl`, `pg_rewind`, `pg_basebackup`)'),
  PG_DATA_ROOT: doc(z.string().min(1).optional(), "the local cluster's data folders", 'JARVIS_STATE_DIR/postgres'),
  PG_SOCKET_DIR: doc(z.string().min(1).optional(), "the local cluster's socket folder", 'PG_DATA_ROOT/sockets'),
  PG_SUPERUSER_PASSWORD: doc(
    z.string().default(''),
    'secret; empty: read from `JARVIS_STATE_DIR/secrets.env`. The worker refuses to start without it',
  ),
  PG_PROBE_TIMEOUT_MS: doc(int(100, 30_000).default(1000), 'connect timeout of one monitor probe'),
  PG_MONITOR_ENABLED: doc(
    z.enum(['true', 'false']).default('true'),
    '`false`: the worker does not start the long-running PostgreSQL monitor `pg-monitor/main`',
  ),
  PG_MONITOR_PROBE_INTERVAL_MS: doc(int(100, 60_000).default(600), 'milliseconds between two probes of the cluster by the monitor'),
};

export const redisEnv = {
  REDIS_BASE_PORT: doc(
    int(1024, 55535).default(7000),
    'the port of the base six nodes: all of them when `REDIS_HOST` holds `{n}` (a host per node), else +0…+5 on the one host (extra nodes from +6); the base six are never removed',
  ),
  REDIS_CLUSTER_NODES: doc(
    hostPortList().optional(),
    'seed nodes of the Redis Cluster, comma-separated `host:port`, any host (`redis-1:7000,redis-2:7001,…`)',
    'the six nodes of `REDIS_HOST` and `REDIS_BASE_PORT`',
  ),
  REDIS_HOST: doc(
    hostTemplate().default('127.0.0.1'),
    'the host of the nodes this stack runs itself (the default seeds, a node added by port alone); `{n}` becomes the node number 1, 2, … (`127.0.2.{n}`: then every node is a host of its own on `REDIS_BASE_PORT`)',
  ),
  REDIS_PASSWORD: doc(
    z.string().default(''),
    'secret; empty: read from `JARVIS_STATE_DIR/secrets.env`. The worker refuses to start without it',
  ),
  REDIS_MANAGE_SCRIPT: doc(
    z
      .string()
      .min(1)
      .default(path.join(repoRoot, 'infra', 'redis', 'manage-cluster.sh')),
    'the script (run through execFile) that starts and stops Redis nodes',
  ),
};
