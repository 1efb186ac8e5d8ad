// Where the Redis nodes this stack runs itself live, and how a node is named: by host:port,
// as the cluster itself names it. Pure, so the workflows, the activities, the configuration
// and the tests all apply the same rule (infra/redis/lib.sh applies it to the scripts).
//
// REDIS_HOST gives node N's host, `{n}` standing for N. With `{n}` every node is a host of its
// own and all use one port, REDIS_BASE_PORT, as real hosts would; without it, all nodes share
// the one host and node N takes port REDIS_BASE_PORT + N - 1.

export interface NodeAddress {
  host: string;
  port: number;
}

/** What the workflows need to know of the stack's own nodes (the redisClusterSettings activity). */
export interface RedisNodeLayout {
  /** REDIS_HOST, `{n}` standing for the node's number. */
  hostTemplate: string;
  basePort: number;
}

export const BASE_NODE_COUNT = 6;
const DEFAULT_LAYOUT: RedisNodeLayout = { hostTemplate: '127.0.0.1', basePort: 7000 };

const hostOf = (template: string, n: number) => template.replace(/\{n\}/g, String(n));

/** True when each node is a host of its own (REDIS_HOST holds `{n}`): then all share one port. */
export function onePortLayout(layout: RedisNodeLayout): boolean {
  return layout.hostTemplate.includes('{n}');
}

/** Node N (1-based) of the stack: its own host on the base port, or the one host on base port + N - 1. */
export function stackNode(layout: RedisNodeLayout, n: number): NodeAddress {
  return onePortLayout(layout)
    ? { host: hostOf(layout.hostTemplate, n), port: layout.basePort }
    : { host: layout.hostTemplate, port: layout.basePort + n - 1 };
}

/** The six nodes the stack scripts start and never remove. */
export function baseNodes(layout: RedisNodeLayout): NodeAddress[] {
  return Array.from({ length: BASE_NODE_COUNT }, (_, i) => stackNode(layout, i + 1));
}

/**
 * A node named by its port alone, as inputs did before nodes had a host: REDIS_HOST with `{n}`
 * standing for port - REDIS_BASE_PORT + 1 (127.0.0.1:port by default), exactly as then.
 */
export function nodeAtPort(layout: RedisNodeLayout, port: number): NodeAddress {
  return { host: hostOf(layout.hostTemplate, port - layout.basePort + 1), port };
}

export function sameNode(a: NodeAddress, b: NodeAddress): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}

/**
 * Whether a node is one of the base six. `layout` may come from a history recorded before
 * the settings had a host (only `basePort`): then the base nodes were the six ports.
 */
export function isBaseNode(node: NodeAddress, layout: Partial<RedisNodeLayout> & { basePort: number }): boolean {
  if (layout.hostTemplate === undefined) return node.port >= layout.basePort && node.port < layout.basePort + BASE_NODE_COUNT;
  return baseNodes(layout as RedisNodeLayout).some((b) => sameNode(b, node));
}

/**
 * A node's state folder under $JARVIS_STATE_DIR/redis: its port when the stack runs every
 * node on one host and this node is on it (the port alone tells the nodes apart, and folders
 * made before nodes had a host keep their name), else `host_port` (`_` is in no host name).
 */
export function nodeFolderName(layout: RedisNodeLayout, node: NodeAddress): string {
  if (!onePortLayout(layout) && node.host === layout.hostTemplate) return String(node.port);
  return `${node.host}_${node.port}`;
}

/** The layout as the stack scripts default it. */
export function layoutOrDefault(layout: Partial<RedisNodeLayout>): RedisNodeLayout {
  return { ...DEFAULT_LAYOUT, ...layout };
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A hostname, an IPv4 address or a bracketed IPv6 address; no I/O (workflow code uses it). */
export function isNodeHost(text: string): boolean {
  if (text.startsWith('[') && text.endsWith(']')) return /^[0-9A-Fa-f:.]{2,45}$/.test(text.slice(1, -1)) && text.includes(':');
  if (/^[\d.]+$/.test(text)) return IPV4.test(text);
  return text.length > 0 && text.length <= 253 && text.split('.').every((label) => LABEL.test(label));
}

/** `host:port`, or what is wrong with it, for a message that names the field. */
export function parseNodeAddress(text: string): NodeAddress | { problem: string } {
  const colon = text.lastIndexOf(':');
  if (colon < 0 || (text.startsWith('[') && colon < text.indexOf(']')))
    return { problem: `"${text}" has no port (expected host:port such as 127.0.2.7:7000 or redis-7:7000)` };
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1024 || port > 55535)
    return { problem: `"${text}" has no valid port (expected a port from 1024 to 55535: its cluster bus uses port+10000)` };
  if (!isNodeHost(host)) return { problem: `"${text}" has a malformed host "${host}" (expected a hostname or an IP address)` };
  return { host, port };
}
