// The ioredis Cluster connection every part of the library shares. Commands are counted
// for jarvis_redis_commands_total by wrapping the instance's sendCommand (pipelines and
// transactions go through it too).
import { Cluster } from 'ioredis';
import type { Counter } from 'prom-client';

export interface RedisClusterOptions {
  nodes: { host: string; port: number }[];
  /** A Redis ACL user; the default user when absent. */
  username?: string;
  password: string;
  /** Counts every command by name. */
  commandCounter?: Counter<'command'>;
  /** Called with connection errors; ioredis reconnects by itself. */
  onError?: (error: Error) => void;
}

export function createRedisCluster(options: RedisClusterOptions): Cluster {
  const cluster = new Cluster(options.nodes, {
    // A command that gets no answer fails after 2 s instead of holding a request open.
    redisOptions: {
      username: options.username,
      password: options.password,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 3,
      commandTimeout: 2_000,
    },
    clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
    slotsRefreshTimeout: 2_000,
    enableReadyCheck: true,
  });
  cluster.on('error', (error: Error) => options.onError?.(error));
  const counter = options.commandCounter;
  if (counter) {
    const send = cluster.sendCommand.bind(cluster);
    cluster.sendCommand = (command, stream, node) => {
      counter.inc({ command: command.name });
      return send(command, stream, node);
    };
  }
  return cluster;
}
