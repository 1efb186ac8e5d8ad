// The PostgreSQL cluster's shared shapes: server names, what a probe sees, the
// published topology, and LSN arithmetic. Pure: used by workflows, activities and tests.

/** The one cluster this control plane runs (DESIGN.md, "Names"). */
export const PG_CLUSTERS = ['main'] as const;
export type PgClusterName = (typeof PG_CLUSTERS)[number];

/** Data folders keep these names whatever their role. */
export const PG_SERVER_NAMES = ['primary', 'replica1', 'replica2'] as const;
export type PgServerName = (typeof PG_SERVER_NAMES)[number];

export function isPgServerName(name: string): name is PgServerName {
  return (PG_SERVER_NAMES as readonly string[]).includes(name);
}

/** Quorum commit over every server name: a rejoined old primary counts too; a primary never waits for itself. */
export const SYNC_STANDBY_NAMES = `ANY 1 (${PG_SERVER_NAMES.join(', ')})`;

export interface WalReceiverView {
  status: string;
  senderPort: number | null;
  /** Seconds since the last message from the sender, as the standby measures it. */
  lastMessageAgeSeconds: number | null;
}

export interface ReplicationRow {
  applicationName: string;
  state: string;
  syncState: string;
  replayLsn: string | null;
  replayLagSeconds: number | null;
}

/** What one probe of one server saw. LSNs are PostgreSQL's text form, "16/B374D848". */
export interface ServerProbe {
  name: PgServerName;
  host: string;
  port: number;
  reachable: boolean;
  error?: string;
  inRecovery?: boolean;
  timeline?: number;
  /** pg_current_wal_lsn() on a primary. */
  currentLsn?: string | null;
  /** pg_last_wal_receive_lsn() on a standby: what it flushed, still known after the sender is gone. */
  receiveLsn?: string | null;
  /** pg_last_wal_replay_lsn() on a standby. */
  replayLsn?: string | null;
  walReceiver?: WalReceiverView | null;
  replication?: ReplicationRow[];
}

export interface TopologyMember {
  name: PgServerName;
  host: string;
  port: number;
}

/** The JSON the app's pools follow (Redis key jarvis:pg:topology:<cluster>, channel jarvis:pg:topology). */
export interface PgTopology {
  cluster: string;
  epoch: number;
  primary: TopologyMember;
  replicas: TopologyMember[];
  updatedAt: string;
}

export interface ClusterObservation {
  cluster: string;
  observedAtMs: number;
  servers: ServerProbe[];
  /** The last published topology, or null when none was ever published. */
  published: PgTopology | null;
  /** The primary's WAL position at the last healthy probe (kept by the probe activity). */
  lastKnownPrimaryLsn: string | null;
}

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** An LSN as a number of bytes (bigint: LSNs are 64-bit). */
export function lsnToBigInt(lsn: string): bigint {
  const match = LSN_PATTERN.exec(lsn);
  if (!match) throw new Error(`not an LSN: ${JSON.stringify(lsn)} (expected the form 16/B374D848)`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

/** a − b in bytes, as a plain number (safe: lags are far below 2^53). */
export function lsnDiffBytes(a: string, b: string): number {
  return Number(lsnToBigInt(a) - lsnToBigInt(b));
}

/** The highest WAL position a standby holds: what it received (flushed), else what it replayed. */
export function heldLsn(probe: ServerProbe): string | null {
  const candidates = [probe.receiveLsn, probe.replayLsn].filter((l): l is string => typeof l === 'string');
  if (candidates.length === 0) return null;
  return candidates.reduce((best, l) => (lsnToBigInt(l) > lsnToBigInt(best) ? l : best));
}

export function writableServers(servers: ServerProbe[]): ServerProbe[] {
  return servers.filter((s) => s.reachable && s.inRecovery === false);
}

export function memberOf(probe: Pick<ServerProbe, 'name' | 'host' | 'port'>): TopologyMember {
  return { name: probe.name, host: probe.host, port: probe.port };
}

/** True when two topologies name the same primary and the same replicas (epoch and time aside). */
export function sameMembers(a: Pick<PgTopology, 'primary' | 'replicas'>, b: Pick<PgTopology, 'primary' | 'replicas'>): boolean {
  const key = (t: Pick<PgTopology, 'primary' | 'replicas'>) =>
    JSON.stringify([t.primary, [...t.replicas].sort((x, y) => x.name.localeCompare(y.name))]);
  return key(a) === key(b);
}
