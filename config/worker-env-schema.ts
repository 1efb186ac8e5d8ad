// Every variable the worker, the CLI and the admin API read, in one schema; the sections
// live in their own files. docs/configuration.md is generated from it.
import { z } from 'zod';
import { healthRouterEnv } from './worker-env-health-router';
import { kubernetesEnv } from './worker-env-kubernetes';
import { platformEnv } from './worker-env-platform';
import { postgresEnv, redisEnv } from './worker-env-data';
import { scalingEnv } from './worker-env-scaling';
import { temporalEnv } from './worker-env-temporal';

/** The sections in the order the reference lists them. */
export const WORKER_ENV_SECTIONS = [
  { title: 'Scaling and autoscaling', shape: scalingEnv },
  { title: 'Health router', shape: healthRouterEnv },
  { title: "Temporal connection (Temporal's environment configuration)", shape: temporalEnv },
  { title: 'Task queue, orchestrator, instances, ports', shape: platformEnv },
  { title: 'Kubernetes driver', shape: kubernetesEnv },
  { title: 'PostgreSQL', shape: postgresEnv },
  { title: 'Redis Cluster', shape: redisEnv },
];

export const workerEnvSchema = z.object({
  ...temporalEnv,
  ...platformEnv,
  ...kubernetesEnv,
  ...scalingEnv,
  ...postgresEnv,
  ...redisEnv,
  ...healthRouterEnv,
});

export type WorkerEnv = z.output<typeof workerEnvSchema>;
