// jarvis-scale status: the platform read model (read-models/platform-status.ts), as JSON or as text.
import { openPlatform } from '../read-models/platform';
import { readPlatformStatus, type PlatformStatus, type ServiceStatus } from '../read-models/platform-status';
import type { Output } from './output';
import { withSession, type GlobalOptions } from './session';

export async function statusCommand(_g: GlobalOptions, out: Output, o: { service?: string }): Promise<void> {
  await withSession(async (session) => {
    const { config, client } = session;
    const platform = await openPlatform(config);
    try {
      const status = await readPlatformStatus(client, platform, o.service ? [o.service] : config.services);
      out.result({ ok: true, ...status }, () => renderStatus(status));
    } finally {
      await platform.close();
    }
  });
}

function renderService(v: ServiceStatus): string[] {
  const autoscale = v.autoscaler.exists ? (v.autoscaler.paused ? 'paused' : 'running') : 'no schedule';
  const lines = [`\n${v.service}: ${v.instances.length} instance(s); autoscale ${autoscale}`];
  v.instances.forEach((i, n) => {
    const health = i.health ? (i.health.healthy ? 'ok' : `FAIL ${i.health.status ?? i.health.error}`) : '-';
    const s = v.healthScores[n];
    const score = s ? `score ${String(s.score).padStart(3)}${s.source === 'probe' ? ' (probe)' : ` (${s.code})`}` : 'score -';
    lines.push(
      `  ${i.name.padEnd(16)}${i.pod ? ` pod ${i.pod}` : ''} :${i.port}  ${i.version.padEnd(6)} ${(i.registryStatus ?? 'unregistered').padEnd(12)} health ${health}  ${score}  cpu ${i.cpuPercent ?? '-'}%  conns ${i.activeConnections ?? '-'}`,
    );
  });
  if (v.registryError) lines.push(`  registry unreadable: ${v.registryError}`);
  const c = v.autoscaler.lastCheck;
  if (c)
    lines.push(
      `  last autoscale check ${c.startedAt}: ${c.action ?? c.status}${c.reason ? ` (${c.reason})` : ''}${c.skipped ? `, skipped: ${c.skipped}` : ''}`,
    );
  return lines;
}

function renderRedis(rc: PlatformStatus['redisCluster']): string {
  if ('error' in rc) return `unreachable (${rc.error})`;
  return `${rc.cluster_state}, slots ok ${rc.cluster_slots_ok}/16384, pfail ${rc.cluster_slots_pfail}, fail ${rc.cluster_slots_fail}, ${rc.cluster_known_nodes} nodes`;
}

function renderStatus(s: PlatformStatus): string {
  const lines: string[] = [`orchestrator: ${s.orchestrator}`];
  for (const v of s.services) lines.push(...renderService(v));
  lines.push('\noperations running now:');
  if (!s.operations.length) lines.push('  none');
  for (const op of s.operations)
    lines.push(`  ${op.workflowId} ${op.type} since ${op.startedAt}${op.progress ? `: [${op.progress.step}] ${op.progress.detail}` : ''}`);
  lines.push(`\nPostgreSQL topology: ${s.pgTopology === null ? 'not published yet' : JSON.stringify(s.pgTopology)}`);
  lines.push(`Redis Cluster: ${renderRedis(s.redisCluster)}`);
  for (const n of s.redisNodes) lines.push(`  ${n.id} ${n.address} ${n.role} ${n.slots}`);
  return lines.join('\n');
}
