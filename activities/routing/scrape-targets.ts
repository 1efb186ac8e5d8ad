// Prometheus file-based service discovery: one JSON file per service, re-read by Prometheus on change.
import path from 'node:path';
import { readFileOr, writeFileAtomic } from '../common/atomic-file';
import { memberAddress, type UpstreamMember } from './nginx-config';

export function renderScrapeTargets(service: string, members: readonly UpstreamMember[]): string {
  const groups = members.map((m) => ({ targets: [memberAddress(m)], labels: { service, instance_name: m.name } }));
  return `${JSON.stringify(groups, null, 2)}\n`;
}

export function createScrapeTargetActivities(targetsDir: string) {
  return {
    async syncScrapeTargets(service: string, members: UpstreamMember[]): Promise<{ changed: boolean }> {
      const file = path.join(targetsDir, `${service}.json`);
      const next = renderScrapeTargets(service, members);
      if ((await readFileOr(file, '')) === next) return { changed: false };
      await writeFileAtomic(file, next);
      return { changed: true };
    },
  };
}
