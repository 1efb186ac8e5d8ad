import type Dockerode from 'dockerode';
import type { WorkerConfig } from '../../config/worker-config';

export type OrchestratorDriver = 'docker' | 'process' | 'swarm' | 'kubernetes';

/** ORCHESTRATOR=auto means Docker when an engine answers, local processes otherwise; swarm and kubernetes are only chosen by name. */
export async function chooseOrchestrator(config: WorkerConfig, docker: Dockerode): Promise<OrchestratorDriver> {
  if (config.orchestrator !== 'auto') return config.orchestrator;
  try {
    await docker.ping();
    return 'docker';
  } catch {
    return 'process';
  }
}
