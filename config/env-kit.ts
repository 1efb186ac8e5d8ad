// Small zod builders shared by the environment schemas. Every variable gets a description
// (rendered into docs/configuration.md by scripts/generate-config-reference.ts).
import path from 'node:path';
import { z } from 'zod';
import { HOST_EXAMPLES, isHost, isHostTemplate, parseHostPortList, postgresUrlHost } from '../shared/host-address';

/** The repository root, from dist/config/ or config/ alike; defaults that are paths start here. */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** A whole number in [min, max], read from a string. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Any number, read from a string. */
export const num = () => z.coerce.number({ error: 'must be a number' });

/** "true" or "false". */
export const flag = () => z.enum(['true', 'false'], { error: 'must be true or false' });

/**
 * Documents a variable: what it does, and, when its default is computed from other
 * variables, the default in words (`shownDefault`).
 */
export function doc<T extends z.ZodType>(schema: T, description: string, shownDefault?: string): T {
  return schema.meta(shownDefault === undefined ? { description } : { description, shownDefault });
}

/** A host to connect to or bind (`0.0.0.0` included): a hostname, an IPv4 address or a bracketed IPv6 one. */
export const host = () => z.string().refine(isHost, `must be ${HOST_EXAMPLES}`);

/** A host where `{n}` may stand for a node's or an instance's number (`127.0.3.{n}`). */
export const hostTemplate = () => z.string().refine(isHostTemplate, `must be ${HOST_EXAMPLES}, where {n} may stand for the number`);

/** Shows an item in a message unless it may carry credentials (`user:password@…`). */
const shownItem = (problem: string) => (problem.includes('@') ? 'an item has credentials or a malformed host' : problem);

/** A comma-separated list of `host:port`; each problem (no port, malformed host) is named. */
export const hostPortList = () =>
  z.string().superRefine((value, ctx) => {
    const parsed = parseHostPortList(value);
    if ('problem' in parsed)
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of host:port: ${shownItem(parsed.problem)}` });
  });

/** A postgresql:// URL with a host (any host) and a database; the value is never echoed. */
export const postgresUrl = () =>
  z.string().superRefine((value, ctx) => {
    const parsed = postgresUrlHost(value);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });
