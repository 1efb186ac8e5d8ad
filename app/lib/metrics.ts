// The instance's Prometheus metrics, with the seed's names. One registry per instance,
// so a process can hold several (the tests do) without name clashes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface InstanceMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  requestDuration: Histogram<'method' | 'route'>;
  activeConnections: Gauge;
  inFlightRequests: Gauge;
  dbConnectionsActive: Gauge<'role'>;
  dbQueries: Counter<'role' | 'outcome'>;
  dbQueryDuration: Histogram<'role'>;
  redisCommands: Counter<'command'>;
  sessionsCreated: Counter;
  lockAcquisitions: Counter<'outcome'>;
  replicaLagSeconds: Gauge<'replica'>;
  instanceReady: Gauge;
  /** Requests per second over the last 10 s, set at scrape time (request-rate.ts). */
  requestsPerSecond: Gauge;
  cacheHits: Counter<'cache'>;
  cacheMisses: Counter<'cache'>;
  /** Registers a function that refreshes gauges just before each scrape. */
  onScrape(fn: () => void): void;
}

export function createInstanceMetrics(options: { defaultMetrics?: boolean } = {}): InstanceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry }); // process_*/nodejs_*, the names the minimal app exposed
  const registers = [registry];
  const scrapeHooks: (() => void)[] = [];
  return {
    onScrape: (fn) => void scrapeHooks.push(fn),
    registry,
    requests: new Counter({
      name: 'jarvis_requests_total',
      help: 'HTTP requests served by this instance',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'jarvis_request_duration_seconds',
      help: 'HTTP request duration, from the first byte read to the last byte written',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    activeConnections: new Gauge({
      name: 'jarvis_active_connections',
      help: 'Open TCP connections to this instance',
      registers,
      collect: () => scrapeHooks.forEach((fn) => fn()),
    }),
    inFlightRequests: new Gauge({ name: 'jarvis_in_flight_requests', help: 'Requests received and not yet answered', registers }),
    dbConnectionsActive: new Gauge({
      name: 'jarvis_db_connections_active',
      help: 'PostgreSQL pool connections checked out, per role',
      labelNames: ['role'],
      registers,
    }),
    dbQueries: new Counter({
      name: 'jarvis_db_queries_total',
      help: 'PostgreSQL queries, per role (primary or a replica name) and outcome',
      labelNames: ['role', 'outcome'],
      registers,
    }),
    redisCommands: new Counter({
      name: 'jarvis_redis_commands_total',
      help: 'Redis commands sent to the cluster',
      labelNames: ['command'],
      registers,
    }),
    sessionsCreated: new Counter({ name: 'jarvis_sessions_created_total', help: 'Sessions created by this instance', registers }),
    lockAcquisitions: new Counter({
      name: 'jarvis_lock_acquisitions_total',
      help: 'Distributed lock attempts, per outcome',
      labelNames: ['outcome'],
      registers,
    }),
    replicaLagSeconds: new Gauge({
      name: 'jarvis_db_replica_lag_seconds',
      help: 'Estimated replay lag of each read replica',
      labelNames: ['replica'],
      registers,
    }),
    instanceReady: new Gauge({ name: 'jarvis_instance_ready', help: '1 while the readiness endpoint answers 200', registers }),
    ...loadMetrics(registers),
  };
}

/** What the dashboards' load panels read: the instance's own request rate, query times and cache counters. */
function loadMetrics(registers: Registry[]) {
  return {
    dbQueryDuration: new Histogram({
      name: 'jarvis_db_query_duration_seconds',
      help: 'PostgreSQL query time seen by the instance (pool wait included), per role',
      labelNames: ['role'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    requestsPerSecond: new Gauge({
      name: 'jarvis_requests_per_second',
      help: 'Requests this instance finished per second, over the last 10 s',
      registers,
    }),
    cacheHits: new Counter({
      name: 'jarvis_cache_hits_total',
      help: 'Cache-aside reads answered from Redis, per cache',
      labelNames: ['cache'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'jarvis_cache_misses_total',
      help: 'Cache-aside reads loaded from the source (absent, expired or Redis failing), per cache',
      labelNames: ['cache'],
      registers,
    }),
  };
}
