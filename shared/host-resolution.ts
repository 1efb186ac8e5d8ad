// Start-up check that every configured hostname resolves, so a typo in REDIS_CLUSTER_NODES or
// DATABASE_URL stops the process at once with the setting's name, instead of surfacing later
// as connection retries. Addresses need no lookup; a name is looked up once.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ConfiguredHost {
  /** The setting the host came from, named in the message. */
  setting: string;
  host: string;
}

export type Lookup = (host: string) => Promise<unknown>;

const LOOKUP_TIMEOUT_MS = 5_000;

async function resolves(host: string, lookup: Lookup): Promise<string | undefined> {
  if (isIP(host.replace(/^\[|\]$/g, ''))) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
  });
  try {
    await Promise.race([lookup(host), timeout]);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/** One message per host that does not resolve, each naming its setting; empty when all resolve. */
export async function unresolvedHosts(hosts: readonly ConfiguredHost[], lookup: Lookup = (h) => dnsLookup(h)): Promise<string[]> {
  const results = await Promise.all(hosts.map(async (h) => ({ ...h, code: await resolves(h.host, lookup) })));
  return results.filter((r) => r.code !== undefined).map((r) => `${r.setting}: host "${r.host}" does not resolve (${r.code})`);
}
