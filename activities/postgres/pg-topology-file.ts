// The published topology and the last known primary position, as files under
// JARVIS_STATE_DIR/postgres/. The file is the control plane's own record of the
// topology epoch; Redis carries the same JSON to the app's pools.
import path from 'node:path';
import type { PgTopology } from '../../policy/postgres/pg-cluster';
import { readFileOr, writeFileAtomic } from '../common/atomic-file';

export function topologyFile(stateDir: string): string {
  return path.join(stateDir, 'postgres', 'topology.json');
}

function lastPrimaryLsnFile(stateDir: string): string {
  return path.join(stateDir, 'postgres', 'last-primary-lsn.json');
}

export async function readTopologyFile(stateDir: string): Promise<PgTopology | null> {
  const text = await readFileOr(topologyFile(stateDir), '');
  return text.trim() ? (JSON.parse(text) as PgTopology) : null;
}

export async function writeTopologyFile(stateDir: string, topology: PgTopology): Promise<void> {
  await writeFileAtomic(topologyFile(stateDir), `${JSON.stringify(topology, null, 2)}\n`);
}

export async function readLastPrimaryLsn(stateDir: string): Promise<{ primary: string; lsn: string } | null> {
  const text = await readFileOr(lastPrimaryLsnFile(stateDir), '');
  return text.trim() ? (JSON.parse(text) as { primary: string; lsn: string }) : null;
}

export async function writeLastPrimaryLsn(stateDir: string, primary: string, lsn: string): Promise<void> {
  await writeFileAtomic(lastPrimaryLsnFile(stateDir), JSON.stringify({ primary, lsn }));
}
