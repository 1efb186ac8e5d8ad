// Endpoint syntax shared by the app's and the control plane's configuration: a host is a
// hostname (`redis-1`, `db.example.com`), an IPv4 address or a bracketed IPv6 address, and an
// endpoint is `host:port`. Any host is accepted: a real deployment names real hosts.
import { isIPv4, isIPv6 } from 'node:net';

export const HOST_EXAMPLES = 'a hostname such as redis-1 or db.example.com, or an IP address';

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** True for a hostname, an IPv4 address or a bracketed IPv6 address (`[::1]`). */
export function isHost(text: string): boolean {
  if (text.startsWith('[') && text.endsWith(']')) return isIPv6(text.slice(1, -1));
  // Dotted digits are an IPv4 address or nothing: 999.1.1.1 is a typo, not a hostname.
  if (/^[\d.]+$/.test(text)) return isIPv4(text);
  if (text.length === 0 || text.length > 253) return false;
  return text.split('.').every((label) => LABEL.test(label));
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, or a message saying what is wrong with it (no port, a bad port, a malformed host). */
export function parseHostPort(text: string): HostPort | { problem: string } {
  const value = text.trim();
  const colon = value.lastIndexOf(':');
  const bracketed = value.startsWith('[');
  if (colon < 0 || (bracketed && colon < value.indexOf(']'))) {
    return { problem: `"${value}" has no port (expected host:port such as redis-1:7000)` };
  }
  const host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return { problem: `"${value}" has no valid port (expected host:port with a port from 1 to 65535)` };
  }
  if (!isHost(host)) return { problem: `"${value}" has a malformed host "${host}" (expected ${HOST_EXAMPLES})` };
  return { host, port: Number(portText) };
}

/** A comma-separated list of `host:port`: the endpoints, or the first problem found. */
export function parseHostPortList(text: string): HostPort[] | { problem: string } {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) return { problem: 'has an empty item (expected host:port,host:port,…)' };
  const parsed = items.map(parseHostPort);
  const bad = parsed.find((p): p is { problem: string } => 'problem' in p);
  return bad ?? (parsed as HostPort[]);
}

/** The host of a postgres:// URL, or a problem; the URL itself is never echoed (it may hold a password). */
export function postgresUrlHost(text: string): { host: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'is not a URL (expected postgresql://user@host:5432/database)' };
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return { problem: 'must start with postgresql:// or postgres://' };
  if (!url.hostname) return { problem: 'has no host (expected postgresql://user@host:5432/database)' };
  if (!isHost(url.hostname)) return { problem: `has a malformed host "${url.hostname}" (expected ${HOST_EXAMPLES})` };
  if (url.pathname.length <= 1) return { problem: 'names no database (expected postgresql://user@host:5432/database)' };
  return { host: url.hostname };
}

/** A host per numbered node or instance: `{n}` in the template becomes its number (`127.0.3.{n}` → 127.0.3.2). */
export function hostFor(template: string, n: number): string {
  return template.replace(/\{n\}/g, String(n));
}

/** True when the template gives a well-formed host for any number (checked with 1 and 254). */
export function isHostTemplate(template: string): boolean {
  return isHost(hostFor(template, 1)) && isHost(hostFor(template, 254));
}
