// Writes an upstream and applies it to the load balancer when, and only when, what it last
// loaded differs: nginx reloads; HAProxy is changed through its runtime API, without a
// reload (haproxy-runtime.ts). The caller holds the upstream's lock. A crash between a
// write and the apply is repaired by the next commit, which compares with the ledger.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileOr, writeFileAtomic } from '../common/atomic-file';
import { FailureType, permanentFailure } from '../common/errors';
import { renderHaproxyBackend } from './haproxy-config';
import { syncHaproxyBackend } from './haproxy-runtime';
import { renderUpstream, sortMembers, type UpstreamMember, type UpstreamRouting } from './nginx-config';
import { readLedger, upstreamFiles, type NginxSettings, type ReloadCause, type ReloadLedger } from './upstream-store';

const run = promisify(execFile);

const LEDGER_KEEP = 200;

export interface CommitResult {
  members: UpstreamMember[];
  reloaded: boolean;
  ledger: ReloadLedger;
}

/** The rendered config and its hash, as the ledger records what the load balancer loaded. */
export function renderWithHash(settings: NginxSettings, service: string, members: UpstreamMember[], routing: UpstreamRouting | null) {
  const render = settings.loadBalancer === 'haproxy' ? renderHaproxyBackend : renderUpstream;
  const conf = render(service, sortMembers(members), routing ?? undefined);
  return { conf, hash: createHash('sha256').update(conf).digest('hex') };
}

function nginxArgs(settings: NginxSettings): string[] {
  return ['-p', settings.prefix, '-c', path.join(settings.prefix, 'nginx.conf')];
}

/** Writes the rendered config when it changed; nginx -t must accept it, else the old one is put back. */
async function writeCheckedConf(settings: NginxSettings, service: string, conf: string): Promise<void> {
  const file = upstreamFiles(settings, service).conf;
  const previousConf = await readFileOr(file, '');
  if (previousConf === conf) return;
  await writeFileAtomic(file, conf);
  try {
    await run(settings.nginxBin, ['-t', '-q', ...nginxArgs(settings)]);
  } catch (error) {
    await writeFileAtomic(file, previousConf);
    throw permanentFailure(
      FailureType.LoadBalancerConfigInvalid,
      `nginx rejected the upstream for ${service}: ${(error as { stderr?: string }).stderr ?? String(error)}`,
    );
  }
}

/** Writes a file only when its content changes. */
async function writeFileIfChanged(file: string, text: string): Promise<void> {
  if ((await readFileOr(file, '')) !== text) await writeFileAtomic(file, text);
}

const writeJsonIfChanged = (file: string, value: unknown) => writeFileIfChanged(file, `${JSON.stringify(value, null, 2)}\n`);

function haproxySocket(settings: NginxSettings): string {
  return settings.haproxySocket ?? path.join(settings.prefix, '..', 'haproxy', 'haproxy.sock');
}

/** Call with the lock held. Writes the files whose content changes, checks the config, reloads when nginx runs another one. */
export async function commitUpstream(
  settings: NginxSettings,
  service: string,
  by: ReloadCause,
  members: UpstreamMember[],
  routing: UpstreamRouting | null,
): Promise<CommitResult> {
  const files = upstreamFiles(settings, service);
  const sorted = sortMembers(members);
  const { conf, hash } = renderWithHash(settings, service, sorted, routing);
  const haproxy = settings.loadBalancer === 'haproxy';
  if (haproxy) await writeFileIfChanged(files.haproxyBackend, conf);
  else await writeCheckedConf(settings, service, conf);
  await writeJsonIfChanged(files.members, sorted);
  if (routing) await writeJsonIfChanged(files.routing, routing);
  else await fs.rm(files.routing, { force: true });
  // Compare with what nginx last loaded, so a crash between write and reload is repaired on retry.
  const ledger = await readLedger(settings, service);
  if (ledger.hash === hash) return { members: sorted, reloaded: false, ledger };
  if (haproxy) await syncHaproxyBackend(haproxySocket(settings), service, sorted, routing ?? undefined);
  else await run(settings.nginxBin, ['-s', 'reload', ...nginxArgs(settings)]);
  const next: ReloadLedger = { hash, reloads: [...ledger.reloads, { atMs: Date.now(), by }].slice(-LEDGER_KEEP) };
  await writeFileAtomic(files.loaded, `${JSON.stringify(next)}\n`);
  return { members: sorted, reloaded: true, ledger: next };
}
