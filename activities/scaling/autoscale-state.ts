// What the autoscale check needs from the worker: its configuration and the recent
// recommendations of the stabilisation window, kept in a file per service.
import path from 'node:path';
import type { WorkerConfig } from '../../config/worker-config';
import type { AutoscaleConfig, Recommendation } from '../../policy/scaling/autoscale';
import { readFileOr, writeFileAtomic } from '../common/atomic-file';
import { assertKnownService } from './services';

export function createAutoscaleState(config: WorkerConfig) {
  // Only a known service names a file: nothing else reaches the path.
  const file = (service: string) => {
    assertKnownService(config, service);
    return path.join(config.stateDir, 'autoscale', `${service}.recommendations.json`);
  };
  return {
    /** Refuses an unknown service itself, so autoscaleCheck needs no describeService first (its patch). */
    async describeAutoscale(service: string): Promise<{ enabled: boolean; config: AutoscaleConfig }> {
      assertKnownService(config, service);
      return { enabled: config.autoscaleEnabled, config: config.autoscale };
    },

    async loadRecommendations(service: string): Promise<Recommendation[]> {
      return JSON.parse(await readFileOr(file(service), '[]')) as Recommendation[];
    },

    /** Overwrites the window: writing the same list twice is harmless. */
    async saveRecommendations(service: string, recommendations: Recommendation[]): Promise<void> {
      await writeFileAtomic(file(service), `${JSON.stringify(recommendations)}\n`);
    },
  };
}
