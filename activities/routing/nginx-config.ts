// Pure rendering of an nginx upstream block from its members. No I/O here.

export interface UpstreamMember {
  name: string;
  /** Where nginx and the probes reach it; absent in files and histories from before instances had a host: 127.0.0.1. */
  host?: string;
  port: number;
  /**
   * When the member joined (epoch ms), set by ensureUpstreamMember. Names and ports are
   * reused, so the health router's entries name the incarnation they were made for.
   */
  since?: number;
}

/** The health router's part of an upstream: a weight or an ejection per member incarnation. */
export interface RoutingEntry {
  since: number;
  weight: number;
  down: boolean;
}

export interface UpstreamRouting {
  /** The weight of a member the router has not judged yet: the start of its ramp. */
  newMemberWeight: number;
  entries: Record<string, RoutingEntry>;
}

/** Set in infra/nginx/nginx.conf.template from the session cookie (app/lib/cookies.ts). */
export const AFFINITY_KEY = '$affinity_key';

/** `host:port` of a member, as nginx, Prometheus and the probes reach it. */
export function memberAddress(member: Pick<UpstreamMember, 'host' | 'port'>): string {
  return `${member.host ?? '127.0.0.1'}:${member.port}`;
}

/** A placeholder keeps nginx's config valid while a service has no instances. */
const EMPTY_UPSTREAM_PLACEHOLDER = 'server 127.0.0.1:9 down; # no instances';

export function sortMembers(members: readonly UpstreamMember[]): UpstreamMember[] {
  return [...members].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/** The router's entry for this incarnation of the member, if it made one. */
export function routingEntryFor(member: UpstreamMember, routing: UpstreamRouting | undefined): RoutingEntry | undefined {
  const entry = routing?.entries[member.name];
  return entry && entry.since === (member.since ?? 0) ? entry : undefined;
}

function serverLine(member: UpstreamMember, routing: UpstreamRouting | undefined): string {
  const address = `server ${memberAddress(member)}`;
  if (!routing) return `${address} max_fails=3 fail_timeout=5s; # ${member.name}`;
  const entry = routingEntryFor(member, routing);
  if (entry?.down) return `${address} down; # ${member.name} (ejected by the health router)`;
  return `${address} weight=${entry?.weight ?? routing.newMemberWeight} max_fails=3 fail_timeout=5s; # ${member.name}`;
}

/**
 * Membership comes from the scaling operations; `routing` (weights and ejections) from the
 * health router. Without routing the output is what it was before the router existed.
 */
export function renderUpstream(service: string, members: readonly UpstreamMember[], routing?: UpstreamRouting): string {
  const servers = members.length ? sortMembers(members).map((m) => serverLine(m, routing)) : [EMPTY_UPSTREAM_PLACEHOLDER];
  return [
    '# Managed by jarvis-scale (activities/routing/nginx.ts); edits here are overwritten.',
    `upstream ${service} {`,
    `    zone ${service} 64k;`,
    // Session affinity: $affinity_key is the session cookie, or a per-request id for a
    // request without one (nginx.conf's map), so only sessions stick. Consistent hashing
    // moves about 1/N of sessions when an instance comes or goes. Before keepalive, as
    // nginx requires for a balancing method.
    `    hash ${AFFINITY_KEY} consistent;`,
    '    keepalive 32;',
    ...servers.map((line) => `    ${line}`),
    '}',
    '',
  ].join('\n');
}
