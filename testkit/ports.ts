// The stack's ports and addresses, from the same variables the stack scripts read
// (infra/local/common.sh): 127.0.0.1 by default, one loopback address per part in the
// several-hosts shape (infra/local/several-hosts.sh).
import { hostFor } from '../shared/host-address';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  return value ? Number(value) : fallback;
}

const temporal = port('TEMPORAL_PORT', 7233);
const redisBase = port('REDIS_BASE_PORT', 7000);
const prometheus = port('PROMETHEUS_PORT', 9090);

export const ports = {
  temporal,
  pgPrimary: port('PG_PRIMARY_PORT', 5432),
  pgReplica1: port('PG_REPLICA1_PORT', 5433),
  pgReplica2: port('PG_REPLICA2_PORT', 5434),
  redis: [0, 1, 2, 3, 4, 5].map((i) => redisBase + i),
  /** Ports for nodes a test adds: REDIS_BASE_PORT+6 and up. */
  redisExtra: [6, 7, 8, 9].map((i) => redisBase + i),
  nginx: port('NGINX_PORT', 8080),
  prometheus,
  /** Alertmanager and the webhook receiver standing in for a pager follow Prometheus' port, as in infra/local/common.sh. */
  alertmanager: port('ALERTMANAGER_PORT', prometheus + 3),
  alertReceiver: port('ALERT_RECEIVER_PORT', prometheus + 5),
  /** The worker metrics port the stack's Prometheus scrapes. */
  workerMetrics: port('WORKER_METRICS_PORT', 9464),
  /** App instances the app tests start as child processes: APP_BASE_PORT + 50 + n, clear of the scaling tests' instances. */
  appTestBase: port('APP_BASE_PORT', 3100) + 50,
};

const host = (name: string) => process.env[name] || '127.0.0.1';

export const hosts = {
  temporal: host('TEMPORAL_HOST'),
  pg: { primary: host('PG_PRIMARY_HOST'), replica1: host('PG_REPLICA1_HOST'), replica2: host('PG_REPLICA2_HOST') },
  nginx: host('NGINX_HOST'),
  prometheus: host('PROMETHEUS_HOST'),
  workerMetrics: host('WORKER_METRICS_HOST'),
};

/** The address of this stack's Redis node on `port` (REDIS_HOST, `{n}` standing for the node's number). */
export function redisHost(port: number): string {
  return hostFor(process.env.REDIS_HOST || '127.0.0.1', port - redisBase + 1);
}

export const temporalAddress = process.env.TEMPORAL_ADDRESS ?? `${hosts.temporal}:${temporal}`;
