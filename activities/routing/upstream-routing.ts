// The health router's side of an upstream: weights and ejections of the members as they
// are now, held back by a rate limit on reloads, and handed back to plain membership when
// the router stops.
import { guardServiceName } from '../common/name-guard';
import type { RoutingEntry, UpstreamMember, UpstreamRouting } from './nginx-config';
import { commitUpstream, renderWithHash } from './upstream-commit';
import { plainMembers, type UpstreamChange } from './upstream-membership';
import {
  lastReloadAt,
  pruneRouting,
  readLedger,
  readMembers,
  readRouting,
  withUpstreamLock,
  type NginxSettings,
  type ReloadRecord,
} from './upstream-store';

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

/** Call with the lock held. Writes nothing when the change needs a reload sooner than the rate limit allows. */
async function applyRouting(settings: NginxSettings, request: RoutingRequest): Promise<RoutingResult> {
  const members = await readMembers(settings, request.service);
  const routing = pruneRouting(members, { newMemberWeight: request.newMemberWeight, entries: request.entries });
  const ledger = await readLedger(settings, request.service);
  const lastReloadAtMs = lastReloadAt(ledger);
  const needsReload = renderWithHash(settings, request.service, members, routing).hash !== ledger.hash;
  const waitMs = lastReloadAtMs + request.minReloadIntervalMs - Date.now();
  if (needsReload && waitMs > 0)
    return { applied: false, reloaded: false, deferredForMs: waitMs, lastReloadAtMs, reloadsSoFar: ledger.reloads.length };
  const result = await commitUpstream(settings, request.service, 'routing', members, routing);
  return {
    applied: true,
    reloaded: result.reloaded,
    deferredForMs: 0,
    lastReloadAtMs: lastReloadAt(result.ledger),
    reloadsSoFar: result.ledger.reloads.length,
  };
}

export function createUpstreamRoutingActivities(settings: NginxSettings) {
  return {
    /** Members, the router's routing and the reload ledger, read together under the lock. */
    async readUpstreamState(service: string): Promise<UpstreamState> {
      guardServiceName(service);
      return withUpstreamLock(settings, service, async () => {
        const ledger = await readLedger(settings, service);
        return {
          members: await readMembers(settings, service),
          routing: await readRouting(settings, service),
          lastReloadAtMs: lastReloadAt(ledger),
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
      return withUpstreamLock(settings, request.service, () => applyRouting(settings, request));
    },

    /** Hands the upstream back to plain membership: every member at the default weight, none ejected. */
    async releaseUpstreamRouting(service: string): Promise<UpstreamChange> {
      guardServiceName(service);
      return withUpstreamLock(settings, service, async () => {
        const members = await readMembers(settings, service);
        const hadRouting = (await readRouting(settings, service)) !== null;
        const result = await commitUpstream(settings, service, 'release', members, null);
        return { members: plainMembers(result.members), changed: hadRouting, reloaded: result.reloaded };
      });
    },
  };
}
