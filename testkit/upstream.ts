// Reads what the load balancer is given for an upstream (its rendered file), watches it change, and
// freezes an instance (SIGSTOP, or docker pause) the way a hung process looks to nginx.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClients } from '../activities';
import { chooseOrchestrator } from '../activities/scaling/orchestrator-choice';
import { MANAGED_BY } from '../activities/scaling/orchestrator';
import { findProcesses } from '../activities/common/process-table';
import { SERVICE } from './platform';
import { testWorkerConfig } from './stack';

/** A member's weight, "down" when ejected, or "default" when no router set a weight. */
export type Route = number | 'down' | 'default';

/** The rendered upstream of the load balancer in use: nginx's upstream, or HAProxy's backend (LOAD_BALANCER). */
export function upstreamConfFile(service = SERVICE): string {
  const config = testWorkerConfig();
  return path.join(config.nginxPrefix, 'upstreams', config.loadBalancer === 'haproxy' ? `${service}.haproxy.cfg` : `${service}.conf`);
}

/** The health router's routing file (weights and ejections), whichever load balancer runs. */
export function upstreamRoutingFile(service = SERVICE): string {
  return path.join(testWorkerConfig().nginxPrefix, 'upstreams', `${service}.routing.json`);
}

export function parseRoutes(conf: string): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const line of conf.split('\n')) {
    const m = /^\s*server 127\.0\.0\.1:\d+( weight=(\d+))?( down)?[^#]*# (\S+)/.exec(line);
    // HAProxy's backend (activities/routing/haproxy-config.ts): `server <name> <addr> weight W [disabled] # router weight N`.
    const h = /^\s*server (\S+) 127\.0\.0\.1:\d+ id \d+ weight \d+( disabled)? # (?:router weight (\d+)|default weight)$/.exec(line);
    if (m && m[4] !== 'no')
      routes[m[4]] = m[3] ? 'down' : m[2] ? Number(m[2]) : 'default'; // 'no': the empty-upstream placeholder
    else if (h) routes[h[1]] = h[2] ? 'down' : h[3] ? Number(h[3]) : 'default';
  }
  return routes;
}

export function readRoutes(service = SERVICE): Record<string, Route> {
  return parseRoutes(readFileSync(upstreamConfFile(service), 'utf8'));
}

export interface UpstreamChange {
  atMs: number;
  routes: Record<string, Route>;
}

/** Records every distinct content of the upstream file, polled every `everyMs`, with when it was first seen. */
export function watchUpstream(service = SERVICE, everyMs = 50): { changes: UpstreamChange[]; stop: () => void } {
  const changes: UpstreamChange[] = [];
  let last = '';
  const poll = () => {
    let text = '';
    try {
      text = readFileSync(upstreamConfFile(service), 'utf8');
    } catch {
      return;
    }
    if (text !== last) {
      last = text;
      changes.push({ atMs: Date.now(), routes: parseRoutes(text) });
    }
  };
  poll();
  const timer = setInterval(poll, everyMs);
  return { changes, stop: () => clearInterval(timer) };
}

/** The weights one member had, in order, each with when it appeared (consecutive repeats merged). */
export function routeHistory(changes: UpstreamChange[], name: string, sinceMs = 0): Array<{ atMs: number; route: Route | 'absent' }> {
  const out: Array<{ atMs: number; route: Route | 'absent' }> = [];
  for (const c of changes) {
    if (c.atMs < sinceMs) continue;
    const route = c.routes[name] ?? 'absent';
    if (out.at(-1)?.route !== route) out.push({ atMs: c.atMs, route });
  }
  return out;
}

/** Stops (SIGSTOP / docker pause) or resumes an instance, whatever driver runs it: alive but silent. */
export async function setFrozen(name: string, frozen: boolean): Promise<void> {
  const config = testWorkerConfig();
  const clients = createClients(config);
  try {
    if ((await chooseOrchestrator(config, clients.docker)) === 'docker') {
      const container = clients.docker.getContainer(name);
      await (frozen ? container.pause() : container.unpause());
      return;
    }
    const processes = await findProcesses({ JARVIS_MANAGED_BY: MANAGED_BY, JARVIS_STACK_ID: config.stateDir, INSTANCE_ID: name });
    if (!processes.length) throw new Error(`no process runs ${name}`);
    for (const { pid } of processes) process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  } finally {
    await clients.close();
  }
}
