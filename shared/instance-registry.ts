// The instance registry in the Redis Cluster. Every key carries the service as a hash tag
// ({jarvis-app}), so a record, the service's index and the scripts that touch both live on
// one slot. A record is a hash with a TTL that every heartbeat renews: when an instance's
// heartbeats stop (a crash, SIGKILL) its record expires by itself. The index is a sorted
// set scored by expiry time, so readers can list and prune without SCAN across nodes.
import type { Cluster } from 'ioredis';

export const INSTANCE_STATUSES = ['starting', 'ready', 'draining', 'stopping'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export interface InstanceRecord {
  id: string;
  service: string;
  host: string;
  port: number;
  version: string;
  /** ISO 8601 */
  startedAt: string;
  status: InstanceStatus;
  cpuPercent: number;
  memoryPercent: number;
  activeConnections: number;
  requestRate: number;
  /** ISO 8601 */
  updatedAt: string;
}

export interface RegisterInput {
  id: string;
  host: string;
  port: number;
  version: string;
  startedAt?: string;
  status?: InstanceStatus;
}

export type HeartbeatFigures = Partial<
  Pick<InstanceRecord, 'status' | 'cpuPercent' | 'memoryPercent' | 'activeConnections' | 'requestRate'>
>;

export interface InstanceRegistryOptions {
  service: string;
  /** How long a record lives without a heartbeat. Default 15 s; heartbeat at most every ttl/3. */
  ttlSeconds?: number;
}

export class InstanceRegistryError extends Error {
  override name = 'InstanceRegistryError';
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function registryKeys(service: string) {
  const tag = `{${service}}`;
  return {
    record: (id: string) => `jarvis:${tag}:instance:${id}`,
    index: `jarvis:${tag}:instances`,
  };
}

// Applies field updates only to a record that still exists, renewing its TTL and its
// index entry. Returns 0 when the record is gone (expired or deregistered).
const UPDATE_IF_PRESENT = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('hset', KEYS[1], unpack(ARGV, 4))
redis.call('pexpire', KEYS[1], ARGV[1])
redis.call('zadd', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

// Drops an index entry whose record no longer exists, atomically with the check, so a
// record re-registered in between keeps its entry.
const PRUNE_IF_GONE = `
if redis.call('exists', KEYS[2]) == 0 then return redis.call('zrem', KEYS[1], ARGV[1]) end
return 0
`;

function toFields(values: Record<string, string | number>): string[] {
  return Object.entries(values).flatMap(([k, v]) => [k, String(v)]);
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InstanceRegistryError(`${what} must be a finite number ≥ 0, got ${value}`);
  return value;
}

function parseRecord(hash: Record<string, string>): InstanceRecord | undefined {
  const status = hash.status as InstanceStatus;
  const port = Number(hash.port);
  if (!hash.id || !INSTANCE_STATUSES.includes(status) || !Number.isInteger(port)) return undefined;
  const num = (v: string | undefined) => (v === undefined || !Number.isFinite(Number(v)) ? 0 : Number(v));
  return {
    id: hash.id,
    service: hash.service,
    host: hash.host,
    port,
    version: hash.version,
    startedAt: hash.startedAt,
    status,
    cpuPercent: num(hash.cpuPercent),
    memoryPercent: num(hash.memoryPercent),
    activeConnections: num(hash.activeConnections),
    requestRate: num(hash.requestRate),
    updatedAt: hash.updatedAt,
  };
}

export function createInstanceRegistry(redis: Cluster, options: InstanceRegistryOptions) {
  const service = options.service;
  const ttlMs = (options.ttlSeconds ?? 15) * 1000;
  if (!ID_PATTERN.test(service))
    throw new InstanceRegistryError(`service must be lowercase letters, digits and dashes, got ${JSON.stringify(service)}`);
  if (!Number.isFinite(ttlMs) || ttlMs < 1000) throw new InstanceRegistryError(`ttlSeconds must be at least 1, got ${options.ttlSeconds}`);
  const keys = registryKeys(service);

  function checkId(id: string): void {
    if (!ID_PATTERN.test(id))
      throw new InstanceRegistryError(`instance id must be lowercase letters, digits and dashes, got ${JSON.stringify(id)}`);
  }

  async function update(id: string, values: Record<string, string | number>): Promise<boolean> {
    checkId(id);
    const now = Date.now();
    const fields = toFields({ ...values, updatedAt: new Date(now).toISOString() });
    const applied = await redis.eval(UPDATE_IF_PRESENT, 2, keys.record(id), keys.index, ttlMs, now + ttlMs, id, ...fields);
    return applied === 1;
  }

  async function getAllInstances(): Promise<InstanceRecord[]> {
    const ids = await redis.zrange(keys.index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.record(id));
    const replies = (await pipeline.exec()) ?? [];
    const records: InstanceRecord[] = [];
    const gone: string[] = [];
    replies.forEach(([error, hash], i) => {
      if (error) throw error;
      const record = parseRecord(hash as Record<string, string>);
      if (record) records.push(record);
      else gone.push(ids[i]);
    });
    await Promise.all(gone.map((id) => redis.eval(PRUNE_IF_GONE, 2, keys.index, keys.record(id), id).catch(() => undefined)));
    return records.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  }

  return {
    service,
    ttlSeconds: ttlMs / 1000,

    /** Creates (or replaces) the instance's record with zeroed figures. */
    async register(input: RegisterInput): Promise<InstanceRecord> {
      checkId(input.id);
      if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
        throw new InstanceRegistryError(`port must be 1-65535, got ${input.port}`);
      if (input.status && !INSTANCE_STATUSES.includes(input.status))
        throw new InstanceRegistryError(`status must be one of ${INSTANCE_STATUSES.join(', ')}`);
      const now = Date.now();
      const record: InstanceRecord = {
        id: input.id,
        service,
        host: input.host,
        port: input.port,
        version: input.version,
        startedAt: input.startedAt ?? new Date(now).toISOString(),
        status: input.status ?? 'starting',
        cpuPercent: 0,
        memoryPercent: 0,
        activeConnections: 0,
        requestRate: 0,
        updatedAt: new Date(now).toISOString(),
      };
      await redis
        .multi()
        .del(keys.record(input.id))
        .hset(keys.record(input.id), record as unknown as Record<string, string | number>)
        .pexpire(keys.record(input.id), ttlMs)
        .zadd(keys.index, now + ttlMs, input.id)
        .exec();
      return record;
    },

    /** Renews the record's TTL and stores the figures given. False when the record was gone: register again. */
    async heartbeat(id: string, figures: HeartbeatFigures = {}): Promise<boolean> {
      const values: Record<string, string | number> = {};
      if (figures.status !== undefined) {
        if (!INSTANCE_STATUSES.includes(figures.status))
          throw new InstanceRegistryError(`status must be one of ${INSTANCE_STATUSES.join(', ')}`);
        values.status = figures.status;
      }
      for (const key of ['cpuPercent', 'memoryPercent', 'activeConnections', 'requestRate'] as const) {
        if (figures[key] !== undefined) values[key] = Math.round(finite(figures[key], key) * 100) / 100;
      }
      return update(id, values);
    },

    async updateCPU(id: string, cpuPercent: number, memoryPercent?: number): Promise<boolean> {
      const values: Record<string, number> = { cpuPercent: finite(cpuPercent, 'cpuPercent') };
      if (memoryPercent !== undefined) values.memoryPercent = finite(memoryPercent, 'memoryPercent');
      return update(id, values);
    },

    async updateConnections(id: string, activeConnections: number): Promise<boolean> {
      return update(id, { activeConnections: finite(activeConnections, 'activeConnections') });
    },

    async setStatus(id: string, status: InstanceStatus): Promise<boolean> {
      if (!INSTANCE_STATUSES.includes(status)) throw new InstanceRegistryError(`status must be one of ${INSTANCE_STATUSES.join(', ')}`);
      return update(id, { status });
    },

    async deregister(id: string): Promise<void> {
      checkId(id);
      await redis.multi().del(keys.record(id)).zrem(keys.index, id).exec();
    },

    /** Every live record, sorted by id. Index entries whose record expired are pruned on the way. */
    getAllInstances,

    async getInstancesByStatus(status: InstanceStatus): Promise<InstanceRecord[]> {
      if (!INSTANCE_STATUSES.includes(status)) throw new InstanceRegistryError(`status must be one of ${INSTANCE_STATUSES.join(', ')}`);
      return (await getAllInstances()).filter((r) => r.status === status);
    },
  };
}

export type InstanceRegistry = ReturnType<typeof createInstanceRegistry>;
