import { instanceIndex } from '../../contracts/scaling';

export interface VictimCandidate {
  name: string;
  port: number;
  activeConnections?: number;
}

/**
 * Which instances a scale-down removes. "newest" takes the highest instance numbers,
 * which undoes the latest scale-ups first; "least-loaded" takes the fewest active
 * connections, newest first among equals. Instances without a number are never chosen.
 */
export function chooseVictims(
  service: string,
  candidates: readonly VictimCandidate[],
  count: number,
  strategy: 'newest' | 'least-loaded',
): VictimCandidate[] {
  const numbered = candidates.filter((c) => instanceIndex(service, c.name) !== undefined);
  const byNewest = [...numbered].sort((a, b) => (instanceIndex(service, b.name) ?? 0) - (instanceIndex(service, a.name) ?? 0));
  const ordered =
    strategy === 'newest'
      ? byNewest
      : [...byNewest].sort((a, b) => (a.activeConnections ?? Number.MAX_SAFE_INTEGER) - (b.activeConnections ?? Number.MAX_SAFE_INTEGER));
  return ordered.slice(0, count);
}
