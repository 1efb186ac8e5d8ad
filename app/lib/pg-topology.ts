// The PostgreSQL topology the control plane publishes after a failover: a Redis key that
// holds the current JSON, and a pub/sub channel that announces each new one. An instance
// applies a topology only when its epoch is newer than the one it has, so a late or
// replayed message never moves it back to an old primary.
import type { Cluster } from 'ioredis';
import { z } from 'zod';

export const TOPOLOGY_CHANNEL = 'jarvis:pg:topology';
export const topologyKey = (cluster: string) => `jarvis:pg:topology:${cluster}`;

const node = z.object({ name: z.string().min(1), host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const topologySchema = z.object({
  cluster: z.string().min(1),
  epoch: z.number().int().min(0),
  primary: node,
  replicas: z.array(node),
  updatedAt: z.string(),
});

export type PgNode = z.infer<typeof node>;
export type PgTopology = z.infer<typeof topologySchema>;

/** The topology in a message or key, or undefined when it is not valid JSON of the right shape. */
export function parseTopology(text: string | null | undefined): PgTopology | undefined {
  if (!text) return undefined;
  try {
    const parsed = topologySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** True when `next` should replace `current`: same cluster, strictly newer epoch. */
export function isNewerTopology(current: PgTopology | undefined, next: PgTopology, cluster: string): boolean {
  return next.cluster === cluster && (current === undefined || next.epoch > current.epoch);
}

export interface TopologyFollower {
  /** Reads the key again (after a reconnect, or on demand). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Calls `apply` with every topology newer than the last applied one: first from the key,
 * then from each message on the channel. The subscriber is a duplicate connection, since a
 * subscribed connection cannot send other commands.
 */
export async function followTopology(
  redis: Cluster,
  cluster: string,
  currentEpoch: () => number | undefined,
  apply: (topology: PgTopology) => void,
  onError: (error: Error) => void = () => undefined,
): Promise<TopologyFollower> {
  const subscriber = redis.duplicate();
  subscriber.on('error', onError);
  const consider = (text: string | null) => {
    const topology = parseTopology(text);
    if (!topology) return;
    const epoch = currentEpoch();
    if (isNewerTopology(epoch === undefined ? undefined : { ...topology, epoch }, topology, cluster)) apply(topology);
  };
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === TOPOLOGY_CHANNEL) consider(message);
  });
  const refresh = async () => consider(await redis.get(topologyKey(cluster)));
  await subscriber.subscribe(TOPOLOGY_CHANNEL);
  // Read the key after subscribing, so a topology published in between is not missed.
  await refresh();
  // After a reconnect the subscriber may have missed messages; the key has the latest.
  subscriber.on('ready', () => void refresh().catch(onError));
  const poll = setInterval(() => void refresh().catch(onError), 5_000);
  poll.unref();
  return {
    refresh,
    async stop() {
      clearInterval(poll);
      subscriber.disconnect();
    },
  };
}
