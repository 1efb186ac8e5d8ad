// The load a service carried over a time range, from Prometheus, as backtest points: one per
// step with the instances that ran, their CPU and request-rate sums and their average memory
// % of INSTANCE_MEMORY_LIMIT_MB. The series are the ones the stack's Prometheus scrapes from
// every instance (job "jarvis-app", label service; prom-client's process metrics).
import type { LoadPoint } from '../policy/scaling/backtest';
import { parsePromDuration } from '../policy/scaling/backtest-input';

export interface LoadQuery {
  prometheusUrl: string;
  service: string;
  fromMs: number;
  toMs: number;
  stepSeconds: number;
  memoryLimitMb: number;
}

/** The PromQL behind each field of a point; `rate` windows cover at least two scrapes. */
export function loadQueries(service: string, stepSeconds: number, memoryLimitMb: number): Record<keyof Omit<LoadPoint, 'atMs'>, string> {
  const sel = `{job="jarvis-app",service="${service}"}`;
  const window = `${Math.max(60, stepSeconds)}s`;
  return {
    actualInstances: `count(up${sel} == 1)`,
    cpuPercentSum: `sum(rate(process_cpu_seconds_total${sel}[${window}])) * 100`,
    requestRateSum: `sum(rate(jarvis_requests_total${sel}[${window}]))`,
    memoryPercentAvg: `avg(process_resident_memory_bytes${sel}) / ${memoryLimitMb * 1024 * 1024} * 100`,
  };
}

async function getJson(url: string): Promise<{ status: string; data: unknown; error?: string }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new Error(`Prometheus at ${new URL(url).origin} does not answer (${(error as Error).message})`);
  }
  const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as {
    status: string;
    data: unknown;
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${new URL(url).pathname}: ${body.error ?? `HTTP ${res.status}`}`);
  return body;
}

/** Prometheus's --storage.tsdb.retention.time, in seconds (its default, 15d, when the flag is empty). */
export async function prometheusRetentionSeconds(prometheusUrl: string): Promise<number> {
  const { data } = await getJson(`${prometheusUrl}/api/v1/status/flags`);
  const flag = (data as Record<string, string>)['storage.tsdb.retention.time'];
  const seconds = flag && flag !== '0s' ? parsePromDuration(flag) : undefined;
  return seconds ?? 15 * 86_400;
}

type Matrix = Array<{ values: Array<[number, string]> }>;

async function queryRange(q: LoadQuery, promql: string): Promise<Map<number, number>> {
  const url = new URL('/api/v1/query_range', q.prometheusUrl);
  url.searchParams.set('query', promql);
  url.searchParams.set('start', String(q.fromMs / 1000));
  url.searchParams.set('end', String(q.toMs / 1000));
  url.searchParams.set('step', String(q.stepSeconds));
  const { data } = await getJson(url.toString());
  const series = (data as { result: Matrix }).result;
  return new Map((series[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)]));
}

/** One point per step at which instances ran; steps with no instance up are left out (and counted). */
export async function readLoadPoints(q: LoadQuery): Promise<{ points: LoadPoint[]; stepsWithoutData: number }> {
  const queries = loadQueries(q.service, q.stepSeconds, q.memoryLimitMb);
  const [instances, cpu, requests, memory] = await Promise.all(
    [queries.actualInstances, queries.cpuPercentSum, queries.requestRateSum, queries.memoryPercentAvg].map((promql) =>
      queryRange(q, promql),
    ),
  );
  const points: LoadPoint[] = [];
  let stepsWithoutData = 0;
  for (let t = q.fromMs; t <= q.toMs; t += q.stepSeconds * 1000) {
    const actual = instances.get(t);
    if (!actual) {
      stepsWithoutData += 1;
      continue;
    }
    points.push({
      atMs: t,
      actualInstances: actual,
      cpuPercentSum: cpu.get(t) ?? 0,
      requestRateSum: requests.get(t) ?? 0,
      memoryPercentAvg: memory.get(t) ?? 0,
    });
  }
  return { points, stepsWithoutData };
}
