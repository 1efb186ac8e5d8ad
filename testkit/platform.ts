// Reads and resets the platform the scaling workflows change: containers, nginx, Prometheus targets.
import type { Client } from '@temporalio/client';
import { autoscaleScheduleId } from '../contracts/scaling';
import { createClients, createOrchestrator } from '../activities';
import { createNginxActivities, loadBalancerSettings } from '../activities/routing/nginx';
import { testWorkerConfig } from './stack';

export const SERVICE = 'jarvis-app';

function parts() {
  const config = testWorkerConfig();
  return {
    config,
    orchestrator: createOrchestrator(config.orchestrator === 'auto' ? 'docker' : config.orchestrator, config, createClients(config)),
    nginx: createNginxActivities(loadBalancerSettings(config)),
  };
}

export async function listContainers(service = SERVICE) {
  return parts().orchestrator.listInstances(service);
}

/** The instance named `name`; fails when there is none. */
export async function instanceNamed(name: string, service = SERVICE) {
  const found = (await listContainers(service)).find((c) => c.name === name);
  if (!found) throw new Error(`no instance named ${name}`);
  return found;
}

export async function upstreamMembers(service = SERVICE) {
  return parts().nginx.listUpstreamMembers(service);
}

/** Answers of `tries` requests through the load balancer, as instance names. */
export async function instancesSeenThroughLoadBalancer(tries: number): Promise<string[]> {
  const { config } = parts();
  const seen: string[] = [];
  for (let i = 0; i < tries; i++) {
    const res = await fetch(`http://${config.nginxHost}:${config.nginxPort}/api/ping`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    seen.push(res.headers.get('x-instance-id') ?? `HTTP ${res.status}`);
  }
  return seen;
}

export async function healthOf(port: number, host = '127.0.0.1'): Promise<number> {
  const res = await fetch(`http://${host}:${port}/api/health`);
  await res.arrayBuffer();
  return res.status;
}

const SCALING_TYPES = ['scaleUp', 'scaleDown', 'drainInstance', 'rollingUpdate', 'autoscaleCheck', 'healthRouter'];

/**
 * Deletes the autoscale schedule, terminates running scaling workflows and the health
 * router, removes every instance and empties the upstream, and hands it back to plain
 * membership (no router weights or ejections), so no test file inherits a router's state.
 */
export async function resetPlatform(client: Client, service = SERVICE): Promise<void> {
  const { orchestrator, nginx } = parts();
  await client.schedule
    .getHandle(autoscaleScheduleId(service))
    .delete()
    .catch(() => undefined);
  const types = SCALING_TYPES.map((t) => `"${t}"`).join(', ');
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = "Running" AND WorkflowType IN (${types})` })) {
    await client.workflow
      .getHandle(wf.workflowId, wf.runId)
      .terminate('test reset')
      .catch(() => undefined);
  }
  for (const instance of await orchestrator.listInstances(service)) await orchestrator.removeInstance(instance.name);
  for (const member of await nginx.listUpstreamMembers(service)) await nginx.removeUpstreamMember(service, member.name);
  await nginx.releaseUpstreamRouting(service);
}
