// The database router's connection pools, one per server (host:port) rather than per role,
// so a server that changes role in a failover keeps its pool and its warm connections.
import { Pool, type PoolConfig } from 'pg';

export interface ConnectionConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

/** A server the router sends queries to, under the name it has in the topology. */
export interface PoolTarget {
  name: string;
  pool: Pool;
  /** host:port */
  key: string;
}

export interface PoolSetOptions {
  poolSize: number;
  applicationName: string;
  onError?: (error: Error) => void;
}

/** A postgres:// URL as connection settings; `password` is used when the URL carries none. */
export function connectionConfig(url: string, password: string | undefined): ConnectionConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : password,
    database: decodeURIComponent(u.pathname.slice(1)),
  };
}

export function createPoolSet(options: PoolSetOptions) {
  const pools = new Map<string, Pool>();

  function poolFor(config: ConnectionConfig): { pool: Pool; key: string } {
    const key = `${config.host}:${config.port}`;
    let pool = pools.get(key);
    if (!pool) {
      const poolConfig: PoolConfig = {
        ...config,
        max: options.poolSize,
        connectionTimeoutMillis: 2_000,
        idleTimeoutMillis: 30_000,
        application_name: options.applicationName,
      };
      pool = new Pool(poolConfig);
      // An idle client's error (a server restart) must not crash the process.
      pool.on('error', (error) => options.onError?.(error));
      pools.set(key, pool);
    }
    return { pool, key };
  }

  return {
    target: (name: string, config: ConnectionConfig): PoolTarget => ({ name, ...poolFor(config) }),

    /** Closes the pools of servers no target uses any more. */
    keepOnly(targets: PoolTarget[]): void {
      const used = new Set(targets.map((t) => t.key));
      for (const [key, pool] of pools) {
        if (!used.has(key)) {
          pools.delete(key);
          pool.end().catch(() => undefined);
        }
      }
    },

    async closeAll(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      pools.clear();
    },
  };
}
