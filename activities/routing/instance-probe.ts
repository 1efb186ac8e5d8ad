// The health router's eyes: one round of probes of every upstream member, read together
// with the routing nginx runs now. Each member gets its health check and a scrape of its
// own /metrics (for the error rate), in parallel, each bounded by the probe timeout, so a
// hung instance (SIGSTOP) costs one timeout, not a stuck round.
import type { InstanceObservation, RequestCounters, RouterObservation } from '../../policy/routing/health-router';
import type { UpstreamState } from './nginx';
import { memberAddress } from './nginx-config';

export interface ProbeRequest {
  service: string;
  healthPath: string;
  timeoutMs: number;
}

/** The router's own probes and the scrapes are not the instance's traffic, so they do not count toward its error rate. */
const NOT_TRAFFIC = new Set(['/api/health', '/api/live', '/metrics', '/api/admin']);

/** Sums jarvis_requests_total over the routes that are real traffic; errors are the 5xx answers. */
export function requestCountersFrom(metricsText: string): RequestCounters {
  const counters = { total: 0, errors: 0 };
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('jarvis_requests_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (NOT_TRAFFIC.has(labels.route)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    counters.total += value;
    if (/^5\d\d$/.test(labels.status ?? '')) counters.errors += value;
  }
  return counters;
}

async function get(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  try {
    // A fresh connection each time: a pooled one to a hung instance would only add a stale socket.
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { error: e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (e.cause?.code ?? e.name) };
  }
}

async function observe(member: UpstreamState['members'][number], request: ProbeRequest): Promise<InstanceObservation> {
  const base = `http://${memberAddress(member)}`;
  const [health, metrics] = await Promise.all([
    get(`${base}${request.healthPath}`, request.timeoutMs),
    get(`${base}/metrics`, request.timeoutMs),
  ]);
  let status = '';
  if ('body' in health) {
    try {
      status = String((JSON.parse(health.body) as { status?: unknown }).status ?? '');
    } catch {
      status = 'unparsable';
    }
  }
  return {
    name: member.name,
    port: member.port,
    since: member.since ?? 0,
    health: {
      ok: 'status' in health && health.status === 200,
      draining: status === 'draining' || status === 'stopping',
      answer: 'status' in health ? `HTTP ${health.status}${status ? ` ${status}` : ''}` : health.error,
    },
    requests: 'status' in metrics && metrics.status === 200 ? requestCountersFrom(metrics.body) : null,
  };
}

export function createInstanceProbe(readUpstreamState: (service: string) => Promise<UpstreamState>) {
  return {
    async probeUpstreamInstances(request: ProbeRequest): Promise<RouterObservation> {
      const upstream = await readUpstreamState(request.service);
      const instances = await Promise.all(upstream.members.map((m) => observe(m, request)));
      return { instances, applied: upstream.routing, lastReloadAtMs: upstream.lastReloadAtMs };
    },
  };
}
