// Pure parts of HAProxy as the load balancer: the servers an upstream should hold, the
// backend file a (re)started HAProxy loads, and the runtime API commands that take a
// running HAProxy from what it holds to what it should hold. No I/O here.
import { memberAddress, routingEntryFor, sortMembers, type UpstreamMember, type UpstreamRouting } from './nginx-config';

/**
 * HAProxy gives a server 16 points on its consistent-hash ring per unit of weight (nginx: 160
 * per server), and takes weights up to 256. A router weight (1–100) is scaled to that range,
 * and a member without one gets the most points: with few points the ring is uneven, and a
 * new instance would take far more or far less than 1/N of the sessions.
 */
export const HAPROXY_DEFAULT_WEIGHT = 256;
export const haproxyWeight = (routerWeight: number) => Math.max(1, Math.min(256, Math.round(routerWeight * 2.56)));

/**
 * The server's id, fixed from its name. HAProxy places a server on its consistent-hash ring
 * by id; a server added at runtime without one gets the points of an id not yet computed
 * (haproxy/haproxy#3413, every version up to 3.x): measured on 2.6, three added servers took
 * the same points, one got no session and a fourth took half of them. With the id given,
 * a fourth took 27 % (1/4 expected) and only from the others.
 */
export function haproxyServerId(name: string): number {
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (const ch of Buffer.from(name, 'utf8')) hash = Math.imul(hash ^ ch, 0x01000193) >>> 0;
  // Below 2^20: HAProxy keys a server's ring points on id × 4096 + point in 32 bits, so
  // larger ids would wrap onto each other's points.
  return 1 + (hash % 1_000_000);
}

/** One server as HAProxy should hold it. */
export interface DesiredServer {
  name: string;
  host: string;
  port: number;
  /** HAProxy's weight (1–256). */
  weight: number;
  /** The health router's weight it stands for (absent: no router runs). */
  routerWeight?: number;
  /** Ejected by the health router: in maintenance, so it takes no new request. */
  down: boolean;
}

/** A server as `show servers state` reports it. */
export interface HeldServer {
  name: string;
  host: string;
  port: number;
  weight: number;
  /** Any maintenance flag (forced, inherited or from the config). */
  maint: boolean;
  /** The drain flag. */
  drain: boolean;
}

export function desiredServers(members: readonly UpstreamMember[], routing: UpstreamRouting | undefined): DesiredServer[] {
  return sortMembers(members).map((member) => {
    const entry = routing ? routingEntryFor(member, routing) : undefined;
    const routerWeight = routing ? (entry?.weight ?? routing.newMemberWeight) : undefined;
    return {
      name: member.name,
      host: member.host ?? '127.0.0.1',
      port: member.port,
      weight: routerWeight === undefined ? HAPROXY_DEFAULT_WEIGHT : haproxyWeight(routerWeight),
      ...(routerWeight === undefined ? {} : { routerWeight }),
      down: entry?.down ?? false,
    };
  });
}

/**
 * The backend a restarted HAProxy loads (the running one is changed through the runtime API
 * only). The session cookie is the consistent hash's key, as nginx's $affinity_key; a
 * request without one is balanced by round robin, as nginx's per-request id spreads it.
 */
export function renderHaproxyBackend(service: string, members: readonly UpstreamMember[], routing?: UpstreamRouting): string {
  const servers = desiredServers(members, routing).map((s) => {
    const why = s.routerWeight === undefined ? 'default weight' : `router weight ${s.routerWeight}`;
    return `    server ${s.name} ${memberAddress(s)} id ${haproxyServerId(s.name)} weight ${s.weight}${s.down ? ' disabled' : ''} # ${why}`;
  });
  return [
    '# Managed by jarvis-scale (activities/routing/haproxy-config.ts); edits here are overwritten.',
    `backend ${service}`,
    '    balance hash req.cook(jarvis_sid)',
    '    hash-type consistent',
    ...servers,
    '',
  ].join('\n');
}

/** Parses `show servers state <backend>` (format 1): the servers HAProxy holds now. */
export function parseServersState(text: string): HeldServer[] {
  const held: HeldServer[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#') || /^\d+$/.test(line.trim())) continue;
    const f = line.trim().split(/\s+/);
    // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight ... srv_port (19th)
    if (f.length < 19) continue;
    const admin = Number(f[6]);
    // Admin flags: 0x01 forced, 0x02 inherited, 0x04 config, 0x20 resolution maintenance; 0x08/0x10 drain.
    held.push({
      name: f[3],
      host: f[4],
      port: Number(f[18]),
      weight: Number(f[7]),
      maint: (admin & 0x27) !== 0,
      drain: (admin & 0x18) !== 0,
    });
  }
  return held;
}

function commandsFor(backend: string, want: DesiredServer, have: HeldServer | undefined): string[] {
  const server = `${backend}/${want.name}`;
  if (!have) {
    // A server is added in maintenance; it is made ready after its weight is set.
    const add = [`add server ${server} ${memberAddress(want)} id ${haproxyServerId(want.name)} weight ${want.weight}`];
    return want.down ? add : [...add, `set server ${server} state ready`];
  }
  const commands: string[] = [];
  if (have.host !== want.host || have.port !== want.port) commands.push(`set server ${server} addr ${want.host} port ${want.port}`);
  if (have.weight !== want.weight) commands.push(`set weight ${server} ${want.weight}`);
  if (want.down && !have.maint) commands.push(`set server ${server} state maint`);
  if (!want.down && (have.maint || have.drain)) commands.push(`set server ${server} state ready`);
  return commands;
}

/**
 * The runtime API commands, in order: a removed server goes to maintenance first (requests in
 * flight finish; no new one reaches it), then is deleted. HAProxy refuses to delete a server
 * that still has connections; it then stays in maintenance and a later sync deletes it.
 */
export function planRuntimeCommands(backend: string, want: readonly DesiredServer[], have: readonly HeldServer[]): string[] {
  const byName = new Map(have.map((s) => [s.name, s]));
  const commands = want.flatMap((s) => commandsFor(backend, s, byName.get(s.name)));
  const wanted = new Set(want.map((s) => s.name));
  for (const gone of have.filter((s) => !wanted.has(s.name))) {
    if (!gone.maint) commands.push(`set server ${backend}/${gone.name} state maint`);
    commands.push(`del server ${backend}/${gone.name}`);
  }
  return commands;
}

/** What a sync left different from the wanted servers (besides servers still waiting to be deleted): empty when it took. */
export function runtimeMismatches(want: readonly DesiredServer[], have: readonly HeldServer[]): string[] {
  const byName = new Map(have.map((s) => [s.name, s]));
  const problems: string[] = [];
  for (const s of want) {
    const h = byName.get(s.name);
    if (!h) problems.push(`${s.name} is missing`);
    else if (h.host !== s.host || h.port !== s.port) problems.push(`${s.name} is at ${h.host}:${h.port}, not ${memberAddress(s)}`);
    else if (h.weight !== s.weight) problems.push(`${s.name} has weight ${h.weight}, not ${s.weight}`);
    else if (h.maint !== s.down)
      problems.push(`${s.name} is ${h.maint ? 'in maintenance' : 'ready'}, not ${s.down ? 'in maintenance' : 'ready'}`);
  }
  const wanted = new Set(want.map((s) => s.name));
  for (const h of have) if (!wanted.has(h.name) && !h.maint) problems.push(`${h.name} is not a member but takes requests`);
  return problems;
}
