// Pure rendering of an nginx upstream block from its members. No I/O here.

export interface UpstreamMember {
  name: string;
  port: number;
}

/** Set in infra/nginx/nginx.conf.template from the session cookie (app/lib/cookies.ts). */
export const AFFINITY_KEY = '$affinity_key';

/** A placeholder keeps nginx's config valid while a service has no instances. */
const EMPTY_UPSTREAM_PLACEHOLDER = 'server 127.0.0.1:9 down; # no instances';

export function sortMembers(members: readonly UpstreamMember[]): UpstreamMember[] {
  return [...members].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

export function renderUpstream(service: string, members: readonly UpstreamMember[]): string {
  const servers = members.length
    ? sortMembers(members).map((m) => `server 127.0.0.1:${m.port} max_fails=3 fail_timeout=5s; # ${m.name}`)
    : [EMPTY_UPSTREAM_PLACEHOLDER];
  return [
    '# Managed by jarvis-scale (activities/nginx.ts); edits here are overwritten.',
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
