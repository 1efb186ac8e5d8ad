// The instance registry in the Redis Cluster. Every key carries the service as a hash tag
// ({jarvis-app}), so a record, the service's index and the scripts that touch both live on
// one slot. A record is a hash with a TTL that every heartbeat renews: when an instance's
// heartbeats stop (a crash, SIGKILL) its record expires by itself. The index is a sorted
// set scored by expiry time, so readers can list and prune without SCAN across nodes.
// The record's fields and checks are in instance-record.ts.
import type { Cluster } from 'ioredis';
import {
  checkName,
  checkStatus,
  finite,
  heartbeatValues,
  InstanceRegistryError,
  newRecord,
  parseRecord,
  type HeartbeatFigures,
  type InstanceRecord,
  type InstanceStatus,
  type RegisterInput,
} from './instance-record';

export {
  INSTANCE_STATUSES,
  InstanceRegistryError,
  type HeartbeatFigures,
  type InstanceRecord,
  type InstanceStatus,
  type RegisterInput,
} from './instance-record';

export interface InstanceRegistryOptions {
  service: string;
  /** How long a record lives without a heartbeat. Default 15 s; heartbeat at most every ttl/3. */
  ttlSeconds?: number;
}

export function registryKeys(service: string) {
  const tag = `{${service}}`;
  return {
    record: (id: string) => `jarvis:${tag}:instance:${id}`,
    index: `jarvis:${tag}:instances`,
  };
}

type RegistryKeys = ReturnType<typeof registryKeys>;

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

/** Replaces the record and renews its index entry, in one transaction. */
async function writeRecord(redis: Cluster, keys: RegistryKeys, ttlMs: number, record: InstanceRecord, nowMs: number): Promise<void> {
  await redis
    .multi()
    .del(keys.record(record.id))
    .hset(keys.record(record.id), record as unknown as Record<string, string | number>)
    .pexpire(keys.record(record.id), ttlMs)
    .zadd(keys.index, nowMs + ttlMs, record.id)
    .exec();
}

/** Stores the values on a record that still exists and renews its TTL; false when it was gone. */
async function updateIfPresent(
  redis: Cluster,
  keys: RegistryKeys,
  ttlMs: number,
  id: string,
  values: Record<string, string | number>,
): Promise<boolean> {
  checkName(id, 'instance id');
  const now = Date.now();
  const fields = Object.entries({ ...values, updatedAt: new Date(now).toISOString() }).flatMap(([k, v]) => [k, String(v)]);
  const applied = await redis.eval(UPDATE_IF_PRESENT, 2, keys.record(id), keys.index, ttlMs, now + ttlMs, id, ...fields);
  return applied === 1;
}

/** Every live record, sorted by id; index entries whose record expired are pruned on the way. */
async function readAllRecords(redis: Cluster, keys: RegistryKeys): Promise<InstanceRecord[]> {
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

export function createInstanceRegistry(redis: Cluster, options: InstanceRegistryOptions) {
  const service = options.service;
  const ttlMs = (options.ttlSeconds ?? 15) * 1000;
  checkName(service, 'service');
  if (!Number.isFinite(ttlMs) || ttlMs < 1000) throw new InstanceRegistryError(`ttlSeconds must be at least 1, got ${options.ttlSeconds}`);
  const keys = registryKeys(service);
  const update = (id: string, values: Record<string, string | number>) => updateIfPresent(redis, keys, ttlMs, id, values);
  const getAllInstances = () => readAllRecords(redis, keys);

  return {
    service,
    ttlSeconds: ttlMs / 1000,

    /** Creates (or replaces) the instance's record with zeroed figures. */
    async register(input: RegisterInput): Promise<InstanceRecord> {
      const now = Date.now();
      const record = newRecord(service, input, now);
      await writeRecord(redis, keys, ttlMs, record, now);
      return record;
    },

    /** Renews the record's TTL and stores the figures given. False when the record was gone: register again. */
    async heartbeat(id: string, figures: HeartbeatFigures = {}): Promise<boolean> {
      return update(id, heartbeatValues(figures));
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
      checkStatus(status);
      return update(id, { status });
    },

    async deregister(id: string): Promise<void> {
      checkName(id, 'instance id');
      await redis.multi().del(keys.record(id)).zrem(keys.index, id).exec();
    },

    /** Every live record, sorted by id. Index entries whose record expired are pruned on the way. */
    getAllInstances,

    async getInstancesByStatus(status: InstanceStatus): Promise<InstanceRecord[]> {
      checkStatus(status);
      return (await getAllInstances()).filter((r) => r.status === status);
    },
  };
}

export type InstanceRegistry = ReturnType<typeof createInstanceRegistry>;
