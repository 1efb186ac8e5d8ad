// The control plane's task queue, orchestrator, nginx and its own ports (Temporal's connection: worker-env-temporal.ts).
import path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAME_PATTERN, TASK_QUEUE } from '../contracts/common/names';
import { doc, host, hostTemplate, int, repoRoot } from './env-kit';

export const platformEnv = {
  TASK_QUEUE: doc(z.string().min(1).default(TASK_QUEUE), 'the task queue the worker serves and the CLI starts workflows on'),
  JARVIS_STATE_DIR: doc(
    z.string().min(1).default(path.join(repoRoot, '.state')),
    "the stack's state folder: nginx upstreams, Prometheus targets, logs, secrets; also the stack's identity (label `jarvis.stack`)",
  ),
  SERVICES: doc(
    z
      .string()
      .default('jarvis-app')
      .refine((v) => v.split(',').every((s) => SERVICE_NAME_PATTERN.test(s.trim())), 'must be a comma-separated list of service names'),
    'the services this control plane scales, comma-separated',
  ),
  ORCHESTRATOR: doc(
    z.enum(['auto', 'docker', 'process', 'swarm', 'kubernetes']).default('auto'),
    "`docker`, `process` (local child processes), `swarm` (a Swarm service's replicas), `kubernetes` (a Deployment's Pods) or `auto` (Docker when an engine answers, else processes; never Swarm)",
  ),
  DOCKER_SERVICE_NAME: doc(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be a Docker service name such as jarvis_app')
      .default('jarvis_app'),
    "the Swarm service that runs the first service's instances (`ORCHESTRATOR=swarm`): by default `jarvis_app`, the app service of `docker stack deploy -c infra/docker/docker-compose.swarm.yml jarvis`; other services use their own name",
  ),
  DOCKER_SOCKET: doc(z.string().min(1).default('/var/run/docker.sock'), "the Docker engine's socket"),
  APP_SHUTDOWN_DEADLINE_MS: doc(
    int(0, 600_000).default(30_000),
    "passed to new instances: past it an instance's graceful shutdown exits anyway",
  ),
  APP_INSTANCE_HOST: doc(
    hostTemplate()
      .refine((v) => !/^0\.0\.0\.0$|^\[::\]$/.test(v), 'must be an address the instances are reached at, not a wildcard such as 0.0.0.0')
      .default('127.0.0.1'),
    'where each instance listens and is reached (nginx, probes); `{n}` becomes its number (`127.0.3.{n}`); `0.0.0.0` is not an address to reach',
  ),
  APP_BASE_PORT: doc(int(1024, 60000).default(3100), 'instance N listens on APP_BASE_PORT + N'),
  APP_IMAGE: doc(z.string().min(1).default('jarvis-app:local'), 'the image of the `docker` and `swarm` drivers'),
  APP_DIR: doc(z.string().min(1).default(repoRoot), 'the built app (mounted read-only at /app in containers)'),
  APP_VERSION: doc(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,40}$/)
      .default('v1'),
    'the version new instances start with until a rolling update sets another',
  ),
  INSTANCE_MEMORY_LIMIT_MB: doc(
    z.coerce
      .number({ error: 'must be a number of megabytes' })
      .int('must be a whole number of megabytes')
      .min(1, 'must be at least 1 megabyte: 0 would leave an instance no memory (and make every memory % infinite)')
      .max(1024 * 1024, 'must be at most 1048576 (1 TiB)')
      .default(512),
    "each instance's memory limit, the base of its memory %: told to every instance, and the cgroup limit of containers (Docker, Swarm)",
  ),
  APP_STARTUP_DELAY_MS: doc(int(0, 600_000).default(500), 'passed to new instances; the tests raise it to hold a health wait open'),
  LOAD_BALANCER: doc(
    z.enum(['nginx', 'haproxy']).default('nginx'),
    "the load balancer the activities drive: `nginx` (each change rewrites the upstream and reloads) or `haproxy` (each change goes through HAProxy's runtime API, no reload)",
  ),
  HAPROXY_SOCKET: doc(
    z.string().min(1).optional(),
    "HAProxy's runtime API socket (LOAD_BALANCER=haproxy); default: `$JARVIS_STATE_DIR/haproxy/haproxy.sock`",
  ),
  NGINX_BIN: doc(z.string().min(1).default('/usr/sbin/nginx'), 'the nginx binary that checks (`-t`) and reloads the load balancer'),
  NGINX_HOST: doc(host().default('127.0.0.1'), 'where the load balancer listens: a scale-up proves the new instance is reached through it'),
  NGINX_PORT: doc(int(1, 65535).default(8080), 'the load balancer in front of the instances'),
  PROMETHEUS_URL: doc(
    z
      .string()
      .regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, 'must be a URL such as http://127.0.0.1:9090')
      .default('http://127.0.0.1:9090'),
    'the Prometheus that `jarvis-scale backtest --from/--to` reads recorded metrics from',
  ),
  WORKER_METRICS_HOST: doc(host().default('127.0.0.1'), "the address the worker's metrics endpoints bind (`0.0.0.0`: every interface)"),
  WORKER_METRICS_PORT: doc(int(0, 65535).default(9464), "the worker's Prometheus endpoint (0: off)"),
  WORKER_SDK_METRICS_PORT: doc(
    int(0, 65535).optional(),
    "the Temporal SDK runtime's own Prometheus endpoint (0: off), so stacks on other ports do not collide",
    'WORKER_METRICS_PORT + 1',
  ),
  ADMIN_API_HOST: doc(host().default('127.0.0.1'), 'the address the admin HTTP API binds (`0.0.0.0`: every interface)'),
  ADMIN_API_PORT: doc(int(0, 65535).default(3000), 'the admin HTTP API (admin-api/main.ts)'),
};
