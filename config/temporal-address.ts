// TEMPORAL_ADDRESS as Temporal takes it: `host:port`, where host is a DNS name, an IPv4
// address or a bracketed IPv6 address. Any host is accepted; only the shape is checked here
// (whether the name resolves is checked when the connection opens, config/temporal-connect.ts).
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

function isHostname(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

/** The host and port of `value`, or a sentence saying what is wrong with it (which the caller prefixes with the setting's name). */
export function parseTemporalAddress(value: string): HostPort | { problem: string } {
  const example = 'such as temporal.example.com:7233 or 127.0.0.1:7233';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { problem: `must be host:port without a scheme (${example})` };
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  const [host, portText] = bracketed ? [bracketed[1], bracketed[2]] : splitLast(value);
  if (bracketed ? isIP(host) !== 6 : !(isIP(host) === 4 || isHostname(host)))
    return { problem: `has no valid host before the port (${example}; an IPv6 address goes in brackets: [::1]:7233)` };
  if (portText === undefined || portText === '') return { problem: `has no port: write host:port, ${example}` };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return { problem: `has a port that is not a number from 1 to 65535` };
  return { host, port };
}

function splitLast(value: string): [string, string | undefined] {
  const colon = value.lastIndexOf(':');
  if (colon < 0) return [value, undefined];
  // An unbracketed IPv6 address has several colons: its "port" is ambiguous.
  if (value.indexOf(':') !== colon) return ['', undefined];
  return [value.slice(0, colon), value.slice(colon + 1)];
}
