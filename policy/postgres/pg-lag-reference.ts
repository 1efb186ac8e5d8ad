// The lag reference: the primary's last known WAL position, against which a failover
// measures how far behind its candidate is (and so whether it may promote without an
// operator's approval). Two rules, both pure:
//   1. record: the position is taken only when exactly one server accepts writes (with two
//      writable servers nobody knows whose position counts; with none there is nothing to take);
//   2. use: a stored position counts only for the server it was taken on, and only while the
//      published topology still names that server as the primary.
// A wrong rule 2 would measure a new primary's candidates against the old primary's WAL.
import type { PgTopology, ServerProbe } from './pg-cluster';
import { writableServers } from './pg-cluster';

/** What the probe activity stores in JARVIS_STATE_DIR/postgres/last-primary-lsn.json. */
export interface LagReference {
  primary: string;
  lsn: string;
}

export type RecordCode = 'RecordPrimaryPosition' | 'NoWritableServer' | 'SeveralWritableServers' | 'NoPositionReported';

export interface RecordDecision {
  code: RecordCode;
  /** The reference to store, or null to leave the stored one as it is. */
  write: LagReference | null;
}

export function lagReferenceToRecord(servers: ServerProbe[]): RecordDecision {
  const writable = writableServers(servers);
  if (writable.length === 0) return { code: 'NoWritableServer', write: null };
  if (writable.length > 1) return { code: 'SeveralWritableServers', write: null };
  const lsn = writable[0].currentLsn;
  if (!lsn) return { code: 'NoPositionReported', write: null };
  return { code: 'RecordPrimaryPosition', write: { primary: writable[0].name, lsn } };
}

export type UseCode = 'ReferenceOfPublishedPrimary' | 'NoReference' | 'NoPublishedPrimary' | 'ReferenceOfAnotherServer';

export interface UseDecision {
  code: UseCode;
  lastKnownPrimaryLsn: string | null;
}

export function lagReferenceToUse(stored: LagReference | null, published: Pick<PgTopology, 'primary'> | null): UseDecision {
  if (!stored) return { code: 'NoReference', lastKnownPrimaryLsn: null };
  if (!published) return { code: 'NoPublishedPrimary', lastKnownPrimaryLsn: null };
  if (stored.primary !== published.primary.name) return { code: 'ReferenceOfAnotherServer', lastKnownPrimaryLsn: null };
  return { code: 'ReferenceOfPublishedPrimary', lastKnownPrimaryLsn: stored.lsn };
}

export interface LagReferencePlan {
  record: RecordCode;
  use: UseCode;
  write: LagReference | null;
  lastKnownPrimaryLsn: string | null;
}

/** Both rules for one probe round: what to store, then which position the failover may use (the fresh one if stored now). */
export function planLagReference(
  servers: ServerProbe[],
  stored: LagReference | null,
  published: Pick<PgTopology, 'primary'> | null,
): LagReferencePlan {
  const record = lagReferenceToRecord(servers);
  const use = lagReferenceToUse(record.write ?? stored, published);
  return { record: record.code, use: use.code, write: record.write, lastKnownPrimaryLsn: use.lastKnownPrimaryLsn };
}
