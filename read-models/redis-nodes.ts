// The Redis Cluster's nodes as CLUSTER NODES lists them: for the CLI's status and for naming
// a node by its port.
import type { Cluster } from 'ioredis';

export interface ClusterNode {
  id: string;
  address: string;
  flags: string[];
  master: string | null;
  slots: string[];
}

export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slots] = line.trim().split(' ');
      return { id, address: addr.split('@')[0], flags: flags.split(','), master: master === '-' ? null : master, slots };
    });
}

export async function clusterNodes(redis: Cluster): Promise<ClusterNode[]> {
  return parseClusterNodes((await redis.cluster('NODES')) as unknown as string);
}
