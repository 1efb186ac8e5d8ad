// What the configuration looks like once parsed: the shape every entry point and activity reads.
import type { AutoscaleConfig } from '../policy/scaling/autoscale';
import type { HealthRouterSettings } from '../policy/routing/health-router';
import type { TemporalSettings } from './temporal-settings';

export interface WorkerConfig {
  /** Temporal's connection from its environment configuration (TEMPORAL_*, a TOML profile); open it with config/temporal-connect.ts. */
  temporal: TemporalSettings;
  /** temporal.address and temporal.namespace, for messages and the many places that only need them. */
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  stateDir: string;
  services: string[];
  orchestrator: 'auto' | 'docker' | 'process' | 'swarm' | 'kubernetes';
  kubernetes: KubernetesSettings;
  /** DOCKER_SERVICE_NAME: the Swarm service of the first service (jarvis_app by default). */
  dockerServiceName: string;
  minInstances: number;
  maxInstances: number;
  autoscaleEnabled: boolean;
  autoscale: AutoscaleConfig;
  drainTimeoutSeconds: number;
  databaseUrl: string;
  readReplicaUrls: string[];
  secretsFile: string;
  /** The app instances' own secrets (infra/local/common.sh write_app_secrets): no control-plane password in it. */
  appSecretsFile: string;
  logDir: string;
  appShutdownDeadlineMs: number;
  /** Held by the worker's activities only; never passed to a workflow. */
  adminToken: string;
  appBasePort: number;
  /** APP_INSTANCE_HOST: where instance N listens and is reached; `{n}` stands for N. */
  appInstanceHost: string;
  appImage: string;
  appDir: string;
  appVersion: string;
  appStartupDelayMs: number;
  /** INSTANCE_MEMORY_LIMIT_MB: what each instance's memory % is measured against. */
  instanceMemoryLimitMb: number;
  /** PROMETHEUS_URL, without a trailing slash: where `jarvis-scale backtest` reads metrics. */
  prometheusUrl: string;
  nginxBin: string;
  nginxPrefix: string;
  /** LOAD_BALANCER: which load balancer the upstream activities drive. */
  loadBalancer: 'nginx' | 'haproxy';
  /** HAProxy's runtime API socket, used when loadBalancer is haproxy. */
  haproxySocket: string;
  nginxHost: string;
  nginxPort: number;
  prometheusTargetsDir: string;
  dockerSocket: string;
  workerMetricsHost: string;
  workerMetricsPort: number;
  postgres: PgSettings;
  redis: { nodes: Array<{ host: string; port: number }>; password: string };
  /** Seed nodes of the Redis Cluster; REDIS_BASE_PORT..+5 when REDIS_CLUSTER_NODES is not set. */
  redisClusterNodes: Array<{ host: string; port: number }>;
  redisBasePort: number;
  /** REDIS_HOST: the host of node N of this stack (`{n}` stands for N = port - REDIS_BASE_PORT + 1). */
  redisHost: string;
  /** Only read by activities; never put in a workflow input, result or log. */
  redisPassword: string;
  redisManageScript: string;
  redisStateDir: string;
  workerSdkMetricsPort: number;
  adminApiHost: string;
  adminApiPort: number;
  /** Whether the worker starts healthRouter for each service when it starts (HEALTH_ROUTER_ENABLED). */
  healthRouterEnabled: boolean;
  /** The defaults a healthRouter run uses where its input sets nothing. */
  healthRouter: HealthRouterSettings;
}

export interface KubernetesSettings {
  /** K8S_DEPLOYMENT_NAME: the first service's Deployment; other services use their own name. */
  deploymentName: string;
  namespace: string;
  /** KUBECONFIG, when set; otherwise the in-cluster service account. */
  kubeconfig?: string;
  containerName: string;
}

export interface PgSettings {
  ports: { primary: number; replica1: number; replica2: number };
  /** Each server's host (PG_*_HOST); servers are told apart by name, so they may share a port. */
  hosts: { primary: string; replica1: string; replica2: string };
  bin: string;
  dataRoot: string;
  socketDir: string;
  /** The replicator's libpq passfile written by infra/postgres (never the password itself in a conninfo). */
  replicationPassfile: string;
  logDir: string;
  /** From the environment (secrets.env); never put in a workflow input or a log. */
  superuserPassword: string;
  probeTimeoutMs: number;
  /** Whether the worker starts the long-running monitor pg-monitor/main (PG_MONITOR_ENABLED). */
  monitorEnabled: boolean;
  /** Milliseconds between two probes of the monitor (PG_MONITOR_PROBE_INTERVAL_MS). */
  monitorProbeIntervalMs: number;
}
