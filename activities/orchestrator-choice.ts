import type Dockerode from 'dockerode';
import type { WorkerConfig } from '../config/worker-config';

/** ORCHESTRATOR=auto means Docker when an engine answers, local processes otherwise. */
export async function chooseOrchestrator(config: WorkerConfig, docker: Dockerode): Promise<'docker' | 'process'> {
  if (config.orchestrator !== 'auto') return config.orchestrator;
  try {
    await docker.ping();
    return 'docker';
  } catch {
    return 'process';
  }
}
