// The CLI's view of the platform parts it reads directly: the orchestrator and Redis.
import { createClients, createOrchestrator, type ActivityClients } from '../activities';
import { chooseOrchestrator, type OrchestratorDriver } from '../activities/scaling/orchestrator-choice';
import type { Orchestrator } from '../activities/scaling/orchestrator';
import type { WorkerConfig } from '../config/worker-config';

export interface Platform {
  clients: ActivityClients;
  orchestrator: Orchestrator;
  driver: OrchestratorDriver;
  close(): Promise<void>;
}

export async function openPlatform(config: WorkerConfig): Promise<Platform> {
  const clients = createClients(config);
  const driver = await chooseOrchestrator(config, clients.docker);
  return { clients, driver, orchestrator: createOrchestrator(driver, config, clients), close: () => clients.close() };
}
