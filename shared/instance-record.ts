// One instance's record in the registry: its fields, the checks on what a caller may
// write into it, and the parse of a stored hash back into a record.

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

export class InstanceRegistryError extends Error {
  override name = 'InstanceRegistryError';
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `what` is "service" or "instance id": both are lowercase letters, digits and dashes. */
export function checkName(value: string, what: string): void {
  if (!ID_PATTERN.test(value))
    throw new InstanceRegistryError(`${what} must be lowercase letters, digits and dashes, got ${JSON.stringify(value)}`);
}

export function checkStatus(status: InstanceStatus): void {
  if (!INSTANCE_STATUSES.includes(status)) throw new InstanceRegistryError(`status must be one of ${INSTANCE_STATUSES.join(', ')}`);
}

export function finite(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InstanceRegistryError(`${what} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/** A fresh record with zeroed figures, after checking what the caller gave. */
export function newRecord(service: string, input: RegisterInput, nowMs: number): InstanceRecord {
  checkName(input.id, 'instance id');
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
    throw new InstanceRegistryError(`port must be 1-65535, got ${input.port}`);
  if (input.status) checkStatus(input.status);
  return {
    id: input.id,
    service,
    host: input.host,
    port: input.port,
    version: input.version,
    startedAt: input.startedAt ?? new Date(nowMs).toISOString(),
    status: input.status ?? 'starting',
    cpuPercent: 0,
    memoryPercent: 0,
    activeConnections: 0,
    requestRate: 0,
    updatedAt: new Date(nowMs).toISOString(),
  };
}

/** The figures a heartbeat stores, checked and rounded to two decimals. */
export function heartbeatValues(figures: HeartbeatFigures): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  if (figures.status !== undefined) {
    checkStatus(figures.status);
    values.status = figures.status;
  }
  for (const key of ['cpuPercent', 'memoryPercent', 'activeConnections', 'requestRate'] as const) {
    if (figures[key] !== undefined) values[key] = Math.round(finite(figures[key], key) * 100) / 100;
  }
  return values;
}

/** A stored hash as a record, or undefined when it is gone or not a whole record. */
export function parseRecord(hash: Record<string, string>): InstanceRecord | undefined {
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
