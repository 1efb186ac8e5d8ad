// Opens the platform for reading: the orchestrator's instance list (the driver chosen the way
// the worker chooses it) and a Redis Cluster client. The CLI, the admin API and the worker's
// metrics read the platform through this, never through the activities themselves.
import type { Cluster } from 'ioredis';
import { createClients, createOrchestrator, type ActivityClients } from '../activities';
import type { Orchestrator } from '../activities/scaling/orchestrator';
import { chooseOrchestrator, type OrchestratorDriver } from '../activities/scaling/orchestrator-choice';
import type { WorkerConfig } from '../config/worker-config';

/** The orchestrator as a reader sees it: it lists, it never starts or stops. */
export type InstanceLister = Pick<Orchestrator, 'listInstances'>;

export interface RedisReader {
  /** The cluster client, connected on first use; undefined when none can be made. */
  redis(): Cluster | undefined;
  close(): Promise<void>;
}

export interface Platform extends RedisReader {
  driver: OrchestratorDriver;
  orchestrator: InstanceLister;
}

/** A Redis Cluster client alone, for readers that need no orchestrator (node names, topology). */
export function openRedis(config: WorkerConfig): RedisReader {
  const clients = createClients(config);
  return { redis: () => clusterOrNone(clients), close: () => clients.close() };
}

function clusterOrNone(clients: ActivityClients): Cluster | undefined {
  try {
    return clients.cluster();
  } catch {
    return undefined;
  }
}

export async function openPlatform(config: WorkerConfig): Promise<Platform> {
  const clients = createClients(config);
  const driver = await chooseOrchestrator(config, clients.docker);
  const orchestrator = createOrchestrator(driver, config, clients);
  return {
    driver,
    orchestrator,
    redis: () => clusterOrNone(clients),
    close: () => clients.close(),
  };
}
