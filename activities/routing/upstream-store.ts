// An upstream's files on disk, one set per service under <prefix>/upstreams: the members
// the scaling operations own (members.json), the weights and ejections the health router
// owns (routing.json), the rendered config nginx includes (.conf), the ledger of what
// nginx last loaded (.loaded) and the lock every change holds (.lock).
import path from 'node:path';
import { readFileOr } from '../common/atomic-file';
import { withFileLock } from '../common/file-lock';
import { routingEntryFor, type RoutingEntry, type UpstreamMember, type UpstreamRouting } from './nginx-config';

export interface NginxSettings {
  nginxBin: string;
  /** Where the upstream files live (members, routing, ledger, lock, rendered config), whichever load balancer runs. */
  prefix: string;
  /** LOAD_BALANCER; nginx when absent. */
  loadBalancer?: 'nginx' | 'haproxy';
  /** HAProxy's runtime API socket, for loadBalancer haproxy. */
  haproxySocket?: string;
}

export type ReloadCause = 'membership' | 'routing' | 'release';

export interface ReloadRecord {
  atMs: number;
  by: ReloadCause;
}

/** What the load balancer last loaded: its hash and the most recent reloads (for the rate limit and tests). */
export interface ReloadLedger {
  hash: string;
  reloads: ReloadRecord[];
}

export function upstreamFiles(settings: NginxSettings, service: string) {
  const base = path.join(settings.prefix, 'upstreams', service);
  return {
    members: `${base}.members.json`,
    routing: `${base}.routing.json`,
    conf: `${base}.conf`,
    /** The backend a (re)started HAProxy loads; the running one changes through its runtime API. */
    haproxyBackend: `${base}.haproxy.cfg`,
    loaded: `${base}.loaded`,
    lock: `${base}.lock`,
  };
}

function parseLedger(text: string): ReloadLedger {
  if (!text) return { hash: '', reloads: [] };
  try {
    const parsed = JSON.parse(text) as ReloadLedger;
    if (parsed && typeof parsed === 'object' && typeof parsed.hash === 'string')
      return { hash: parsed.hash, reloads: parsed.reloads ?? [] };
  } catch {
    // the format before the ledger: the bare hash
  }
  return { hash: text.trim(), reloads: [] };
}

export async function readMembers(settings: NginxSettings, service: string): Promise<UpstreamMember[]> {
  return JSON.parse(await readFileOr(upstreamFiles(settings, service).members, '[]')) as UpstreamMember[];
}

export async function readRouting(settings: NginxSettings, service: string): Promise<UpstreamRouting | null> {
  const text = await readFileOr(upstreamFiles(settings, service).routing, '');
  return text ? (JSON.parse(text) as UpstreamRouting) : null;
}

export async function readLedger(settings: NginxSettings, service: string): Promise<ReloadLedger> {
  return parseLedger(await readFileOr(upstreamFiles(settings, service).loaded, ''));
}

/** When nginx last reloaded this upstream (0: never). */
export function lastReloadAt(ledger: ReloadLedger): number {
  return ledger.reloads.at(-1)?.atMs ?? 0;
}

/** Runs fn holding the upstream's lock, across processes. */
export function withUpstreamLock<T>(settings: NginxSettings, service: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(upstreamFiles(settings, service).lock, fn);
}

/** Only entries for current members' incarnations, so the file never carries a stale ejection. */
export function pruneRouting(members: UpstreamMember[], routing: UpstreamRouting | null): UpstreamRouting | null {
  if (!routing) return null;
  const entries: Record<string, RoutingEntry> = {};
  for (const member of members) {
    const entry = routingEntryFor(member, routing);
    if (entry) entries[member.name] = entry;
  }
  return { newMemberWeight: routing.newMemberWeight, entries };
}
