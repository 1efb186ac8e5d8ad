// Puts one load balancer on the stack's load-balancer port (NGINX_HOST:NGINX_PORT), stopping
// the other, and makes this process's workers and activities drive it (LOAD_BALANCER).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../stack';

const run = promisify(execFile);

export type LoadBalancerKind = 'nginx' | 'haproxy';

const script = (kind: LoadBalancerKind) => path.join(repoRoot, 'infra', kind, `${kind}.sh`);

export async function switchLoadBalancer(kind: LoadBalancerKind): Promise<void> {
  const other: LoadBalancerKind = kind === 'nginx' ? 'haproxy' : 'nginx';
  await run('bash', [script(other), 'stop'], { env: process.env });
  await run('bash', [script(kind), 'start'], { env: { ...process.env, LOAD_BALANCER: kind } });
  process.env.LOAD_BALANCER = kind;
}
