// The stack's ports and addresses, from the same variables the stack scripts read
// (infra/local/common.sh): 127.0.0.1 by default, one loopback address per part in the
// several-hosts shape (infra/local/several-hosts.sh).
import { baseNodes, nodeAtPort, stackNode, type NodeAddress, type RedisNodeLayout } from '../policy/redis/redis-node-address';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  return value ? Number(value) : fallback;
}

const temporal = port('TEMPORAL_PORT', 7233);
const redisBase = port('REDIS_BASE_PORT', 7000);
const prometheus = port('PROMETHEUS_PORT', 9090);
/** Where the stack runs its Redis nodes (REDIS_HOST, REDIS_BASE_PORT: policy/redis/redis-node-address.ts). */
export const redisLayout: RedisNodeLayout = { hostTemplate: process.env.REDIS_HOST || '127.0.0.1', basePort: redisBase };
/** The base six nodes, host:port each. */
export const redisNodes: NodeAddress[] = baseNodes(redisLayout);
/** Nodes a test adds: the stack's nodes 7, 8, … (127.0.0.1:7006… on one host, 127.0.2.7:7000… with a host each). */
export const redisExtraNodes: NodeAddress[] = [7, 8, 9, 10].map((n) => stackNode(redisLayout, n));

export const ports = {
  temporal,
  pgPrimary: port('PG_PRIMARY_PORT', 5432),
  pgReplica1: port('PG_REPLICA1_PORT', 5433),
  pgReplica2: port('PG_REPLICA2_PORT', 5434),
  /** The base nodes' ports: REDIS_BASE_PORT..+5 on one host (all REDIS_BASE_PORT with a host each: use redisNodes). */
  redis: redisNodes.map((n) => n.port),
  /** Ports for nodes a test adds on one host: REDIS_BASE_PORT+6 and up. */
  redisExtra: redisExtraNodes.map((n) => n.port),
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

/** The host of this stack's Redis node named by its port alone (REDIS_HOST, `{n}` = port - REDIS_BASE_PORT + 1). */
export function redisHost(port: number): string {
  return nodeAtPort(redisLayout, port).host;
}

export const temporalAddress = process.env.TEMPORAL_ADDRESS ?? `${hosts.temporal}:${temporal}`;
