// nginx as the load balancer. Two owners share each upstream: the scaling operations own
// its membership (members.json) and the health router owns the weights and ejections of
// those members (routing.json). Every change reads both, renders one config and reloads,
// under one file lock, so neither overwrites the other's part and no write is lost. A
// reload happens only when the loaded config differs; each is recorded in a small ledger.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileOr, writeFileAtomic } from '../common/atomic-file';
import { FailureType, permanentFailure } from '../common/errors';
import { withFileLock } from '../common/file-lock';
import { guardInstanceName, guardPort, guardServiceName } from '../common/name-guard';
import { renderUpstream, routingEntryFor, sortMembers, type RoutingEntry, type UpstreamMember, type UpstreamRouting } from './nginx-config';

const run = promisify(execFile);

export interface NginxSettings {
  nginxBin: string;
  prefix: string;
}

export interface UpstreamChange {
  members: UpstreamMember[];
  changed: boolean;
  reloaded: boolean;
}

export type ReloadCause = 'membership' | 'routing' | 'release';

export interface ReloadRecord {
  atMs: number;
  by: ReloadCause;
}

/** What nginx last loaded: its hash and the most recent reloads (for the rate limit and tests). */
export interface ReloadLedger {
  hash: string;
  reloads: ReloadRecord[];
}

export interface UpstreamState {
  members: UpstreamMember[];
  /** Null while no health router manages the upstream. */
  routing: UpstreamRouting | null;
  lastReloadAtMs: number;
  reloads: ReloadRecord[];
}

export interface RoutingRequest {
  service: string;
  /** The router's entries; entries for names that are not members (or another incarnation) are dropped. */
  entries: Record<string, RoutingEntry>;
  newMemberWeight: number;
  /** The router's rate limit: no reload sooner than this after the last one, whoever made it. */
  minReloadIntervalMs: number;
}

export interface RoutingResult {
  applied: boolean;
  reloaded: boolean;
  /** Set when the rate limit held the change back; the router tries again later. */
  deferredForMs: number;
  lastReloadAtMs: number;
  reloadsSoFar: number;
}

const LEDGER_KEEP = 200;

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

export function createNginxActivities(settings: NginxSettings) {
  const confFile = path.join(settings.prefix, 'nginx.conf');
  const files = (service: string) => {
    const base = path.join(settings.prefix, 'upstreams', service);
    return {
      members: `${base}.members.json`,
      routing: `${base}.routing.json`,
      conf: `${base}.conf`,
      loaded: `${base}.loaded`,
      lock: `${base}.lock`,
    };
  };
  const nginxArgs = ['-p', settings.prefix, '-c', confFile];

  async function readMembers(service: string): Promise<UpstreamMember[]> {
    return JSON.parse(await readFileOr(files(service).members, '[]')) as UpstreamMember[];
  }

  async function readRouting(service: string): Promise<UpstreamRouting | null> {
    const text = await readFileOr(files(service).routing, '');
    return text ? (JSON.parse(text) as UpstreamRouting) : null;
  }

  async function readLedger(service: string): Promise<ReloadLedger> {
    return parseLedger(await readFileOr(files(service).loaded, ''));
  }

  /** Only entries for current members' incarnations, so the file never carries a stale ejection. */
  function pruneRouting(members: UpstreamMember[], routing: UpstreamRouting | null): UpstreamRouting | null {
    if (!routing) return null;
    const entries: Record<string, RoutingEntry> = {};
    for (const member of members) {
      const entry = routingEntryFor(member, routing);
      if (entry) entries[member.name] = entry;
    }
    return { newMemberWeight: routing.newMemberWeight, entries };
  }

  /** Call with the lock held. Writes the files whose content changes, checks the config, reloads when nginx runs another one. */
  async function commit(
    service: string,
    by: ReloadCause,
    members: UpstreamMember[],
    routing: UpstreamRouting | null,
  ): Promise<{ members: UpstreamMember[]; reloaded: boolean; ledger: ReloadLedger }> {
    const f = files(service);
    const sorted = sortMembers(members);
    const conf = renderUpstream(service, sorted, routing ?? undefined);
    const previousConf = await readFileOr(f.conf, '');
    if (previousConf !== conf) {
      await writeFileAtomic(f.conf, conf);
      try {
        await run(settings.nginxBin, ['-t', '-q', ...nginxArgs]);
      } catch (error) {
        await writeFileAtomic(f.conf, previousConf);
        throw permanentFailure(
          FailureType.LoadBalancerConfigInvalid,
          `nginx rejected the upstream for ${service}: ${(error as { stderr?: string }).stderr ?? String(error)}`,
        );
      }
    }
    const membersText = `${JSON.stringify(sorted, null, 2)}\n`;
    if ((await readFileOr(f.members, '')) !== membersText) await writeFileAtomic(f.members, membersText);
    if (routing) {
      const routingText = `${JSON.stringify(routing, null, 2)}\n`;
      if ((await readFileOr(f.routing, '')) !== routingText) await writeFileAtomic(f.routing, routingText);
    } else {
      await fs.rm(f.routing, { force: true });
    }
    // Compare with what nginx last loaded, so a crash between write and reload is repaired on retry.
    const hash = createHash('sha256').update(conf).digest('hex');
    const ledger = await readLedger(service);
    if (ledger.hash === hash) return { members: sorted, reloaded: false, ledger };
    await run(settings.nginxBin, ['-s', 'reload', ...nginxArgs]);
    const next: ReloadLedger = { hash, reloads: [...ledger.reloads, { atMs: Date.now(), by }].slice(-LEDGER_KEEP) };
    await writeFileAtomic(f.loaded, `${JSON.stringify(next)}\n`);
    return { members: sorted, reloaded: true, ledger: next };
  }

  const locked = <T>(service: string, fn: () => Promise<T>) => withFileLock(files(service).lock, fn);
  /** Callers of the membership activities see members as they always did; the incarnation stays in the files. */
  const plain = (members: UpstreamMember[]) => members.map(({ name, port }) => ({ name, port }));

  return {
    async listUpstreamMembers(service: string): Promise<UpstreamMember[]> {
      guardServiceName(service);
      return plain(await readMembers(service));
    },

    /** Adds a member, or keeps it as it is (its incarnation too) when it is there with the same port. */
    async ensureUpstreamMember(service: string, member: UpstreamMember): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(member.name);
      guardPort(member.port);
      return locked(service, async () => {
        const members = await readMembers(service);
        const current = members.find((m) => m.name === member.name);
        const changed = !(current && current.port === member.port);
        const next = changed
          ? [...members.filter((m) => m.name !== member.name), { name: member.name, port: member.port, since: Date.now() }]
          : members;
        const result = await commit(service, 'membership', next, pruneRouting(next, await readRouting(service)));
        return { members: plain(result.members), changed, reloaded: result.reloaded };
      });
    },

    async removeUpstreamMember(service: string, name: string): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(name);
      return locked(service, async () => {
        const members = await readMembers(service);
        const next = members.filter((m) => m.name !== name);
        const result = await commit(service, 'membership', next, pruneRouting(next, await readRouting(service)));
        return { members: plain(result.members), changed: next.length !== members.length, reloaded: result.reloaded };
      });
    },

    /** Members, the router's routing and the reload ledger, read together under the lock. */
    async readUpstreamState(service: string): Promise<UpstreamState> {
      guardServiceName(service);
      return locked(service, async () => {
        const ledger = await readLedger(service);
        return {
          members: await readMembers(service),
          routing: await readRouting(service),
          lastReloadAtMs: ledger.reloads.at(-1)?.atMs ?? 0,
          reloads: ledger.reloads,
        };
      });
    },

    /**
     * The health router's weights and ejections, applied to the members as they are now. A
     * change that needs a reload within minReloadIntervalMs of the last one is held back
     * (nothing is written) and reported as deferred.
     */
    async applyUpstreamRouting(request: RoutingRequest): Promise<RoutingResult> {
      guardServiceName(request.service);
      return locked(request.service, async () => {
        const members = await readMembers(request.service);
        const routing = pruneRouting(members, { newMemberWeight: request.newMemberWeight, entries: request.entries });
        const ledger = await readLedger(request.service);
        const lastReloadAtMs = ledger.reloads.at(-1)?.atMs ?? 0;
        const conf = renderUpstream(request.service, sortMembers(members), routing ?? undefined);
        const needsReload = createHash('sha256').update(conf).digest('hex') !== ledger.hash;
        const waitMs = lastReloadAtMs + request.minReloadIntervalMs - Date.now();
        if (needsReload && waitMs > 0)
          return { applied: false, reloaded: false, deferredForMs: waitMs, lastReloadAtMs, reloadsSoFar: ledger.reloads.length };
        const result = await commit(request.service, 'routing', members, routing);
        return {
          applied: true,
          reloaded: result.reloaded,
          deferredForMs: 0,
          lastReloadAtMs: result.ledger.reloads.at(-1)?.atMs ?? 0,
          reloadsSoFar: result.ledger.reloads.length,
        };
      });
    },

    /** Hands the upstream back to plain membership: every member at the default weight, none ejected. */
    async releaseUpstreamRouting(service: string): Promise<UpstreamChange> {
      guardServiceName(service);
      return locked(service, async () => {
        const members = await readMembers(service);
        const hadRouting = (await readRouting(service)) !== null;
        const result = await commit(service, 'release', members, null);
        return { members: plain(result.members), changed: hadRouting, reloaded: result.reloaded };
      });
    },
  };
}
