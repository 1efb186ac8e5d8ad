// nginx as the load balancer. The member list is the source of truth; the upstream
// file is rendered from it, and a reload happens only when the loaded config differs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileOr, writeFileAtomic } from './atomic-file';
import { FailureType, permanentFailure } from './errors';
import { renderUpstream, sortMembers, type UpstreamMember } from './nginx-config';
import { guardInstanceName, guardPort, guardServiceName } from './name-guard';

const run = promisify(execFile);

export interface NginxSettings {
  nginxBin: string;
  prefix: string;
}

export interface UpstreamChange {
  members: UpstreamMember[];
  changed: boolean;
  reloaded: boolean;
}

export function createNginxActivities(settings: NginxSettings) {
  const confFile = path.join(settings.prefix, 'nginx.conf');
  const files = (service: string) => {
    const base = path.join(settings.prefix, 'upstreams', service);
    return { members: `${base}.members.json`, conf: `${base}.conf`, loaded: `${base}.loaded` };
  };
  const nginxArgs = ['-p', settings.prefix, '-c', confFile];

  async function readMembers(service: string): Promise<UpstreamMember[]> {
    return JSON.parse(await readFileOr(files(service).members, '[]')) as UpstreamMember[];
  }

  async function applyMembers(service: string, members: UpstreamMember[], changed: boolean): Promise<UpstreamChange> {
    const f = files(service);
    const sorted = sortMembers(members);
    const conf = renderUpstream(service, sorted);
    const previousConf = await readFileOr(f.conf, '');
    if (changed || previousConf !== conf) {
      await writeFileAtomic(f.conf, conf);
      try {
        await run(settings.nginxBin, ['-t', '-q', ...nginxArgs]);
      } catch (error) {
        await writeFileAtomic(f.conf, previousConf);
        throw permanentFailure(FailureType.LoadBalancerConfigInvalid, `nginx rejected the upstream for ${service}: ${(error as { stderr?: string }).stderr ?? String(error)}`);
      }
      await writeFileAtomic(f.members, `${JSON.stringify(sorted, null, 2)}\n`);
    }
    // Compare with what nginx last loaded, so a crash between write and reload is repaired on retry.
    const hash = createHash('sha256').update(conf).digest('hex');
    if ((await readFileOr(f.loaded, '')) === hash) return { members: sorted, changed, reloaded: false };
    await run(settings.nginxBin, ['-s', 'reload', ...nginxArgs]);
    await writeFileAtomic(f.loaded, hash);
    return { members: sorted, changed, reloaded: true };
  }

  return {
    async listUpstreamMembers(service: string): Promise<UpstreamMember[]> {
      guardServiceName(service);
      return readMembers(service);
    },

    async ensureUpstreamMember(service: string, member: UpstreamMember): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(member.name);
      guardPort(member.port);
      const members = await readMembers(service);
      const current = members.find((m) => m.name === member.name);
      if (current && current.port === member.port) return applyMembers(service, members, false);
      const next = [...members.filter((m) => m.name !== member.name), member];
      return applyMembers(service, next, true);
    },

    async removeUpstreamMember(service: string, name: string): Promise<UpstreamChange> {
      guardServiceName(service);
      guardInstanceName(name);
      const members = await readMembers(service);
      const next = members.filter((m) => m.name !== name);
      return applyMembers(service, next, next.length !== members.length);
    },
  };
}
