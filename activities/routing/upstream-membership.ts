// The scaling operations' side of an upstream: which instances are members. Each change
// keeps the health router's entries for the members that stay, and drops the rest.
import { guardHost, guardInstanceName, guardPort, guardServiceName } from '../common/name-guard';
import type { UpstreamMember } from './nginx-config';
import { commitUpstream } from './upstream-commit';
import { pruneRouting, readMembers, readRouting, withUpstreamLock, type NginxSettings } from './upstream-store';

export interface UpstreamChange {
  members: UpstreamMember[];
  changed: boolean;
  reloaded: boolean;
}

/** Callers of the membership activities see members as they always did; the incarnation stays in the files. */
export const plainMembers = (members: UpstreamMember[]) =>
  members.map(({ name, host, port }) => (host ? { name, host, port } : { name, port }));

/** Under the lock: commits the new member list with the routing pruned to it. */
async function commitMembers(settings: NginxSettings, service: string, next: UpstreamMember[]) {
  return commitUpstream(settings, service, 'membership', next, pruneRouting(next, await readRouting(settings, service)));
}

export function createUpstreamMembershipActivities(settings: NginxSettings) {
  return {
    async listUpstreamMembers(service: string): Promise<UpstreamMember[]> {
      guardServiceName(service);
      return plainMembers(await readMembers(settings, service));
    },

    /** Adds a member, or keeps it as it is (its incarnation too) when it is there with the same host and port. */
    async ensureUpstreamMember(service: string, member: UpstreamMember): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(member.name);
      guardPort(member.port);
      if (member.host !== undefined) guardHost(member.host);
      return withUpstreamLock(settings, service, async () => {
        const members = await readMembers(settings, service);
        const current = members.find((m) => m.name === member.name);
        const changed = !(current && current.port === member.port && (current.host ?? '127.0.0.1') === (member.host ?? '127.0.0.1'));
        const joined = { name: member.name, ...(member.host ? { host: member.host } : {}), port: member.port, since: Date.now() };
        const next = changed ? [...members.filter((m) => m.name !== member.name), joined] : members;
        const result = await commitMembers(settings, service, next);
        return { members: plainMembers(result.members), changed, reloaded: result.reloaded };
      });
    },

    async removeUpstreamMember(service: string, name: string): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(name);
      return withUpstreamLock(settings, service, async () => {
        const members = await readMembers(settings, service);
        const next = members.filter((m) => m.name !== name);
        const result = await commitMembers(settings, service, next);
        return { members: plainMembers(result.members), changed: next.length !== members.length, reloaded: result.reloaded };
      });
    },
  };
}
