// Summaries of vegeta's per-request results: failures (any status but 2xx, or an error) by
// method and cause, latency quantiles, and a timeline for charts.
import type { VegetaResult } from './vegeta';

export interface AttackSummary {
  requests: number;
  ok: number;
  failed: number;
  failedPosts: number;
  failedGets: number;
  /** Each distinct cause ("HTTP 502", or vegeta's error text) with its count. */
  causes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Achieved rate over the attack, requests per second. */
  ratePerSecond: number;
}

export const failedResult = (r: VegetaResult) => r.error !== '' || r.code < 200 || r.code >= 300;

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (x: number) => Math.round(x * 100) / 100;

function cause(r: VegetaResult): string {
  if (!r.error) return `HTTP ${r.code}`;
  // Keep the cause, not the request's own address: "EOF", "connection reset by peer", ...
  return r.error
    .replace(/^.*?: /, '')
    .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'addr')
    .slice(0, 120);
}

export function summarize(results: readonly VegetaResult[]): AttackSummary {
  const failed = results.filter(failedResult);
  const causes: Record<string, number> = {};
  for (const r of failed) causes[cause(r)] = (causes[cause(r)] ?? 0) + 1;
  const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  const spanMs = results.length > 1 ? results[results.length - 1].atMs - results[0].atMs : 0;
  return {
    requests: results.length,
    ok: results.length - failed.length,
    failed: failed.length,
    failedPosts: failed.filter((r) => r.method === 'POST').length,
    failedGets: failed.filter((r) => r.method === 'GET').length,
    causes,
    latencyMs: {
      p50: round(quantile(latencies, 0.5)),
      p90: round(quantile(latencies, 0.9)),
      p99: round(quantile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? 0),
    },
    ratePerSecond: spanMs > 0 ? round(((results.length - 1) * 1000) / spanMs) : 0,
  };
}

export interface TimelinePoint {
  /** Seconds since the attack's first request. */
  t: number;
  p99Ms: number;
  failed: number;
  requests: number;
}

/** Per-bucket p99 and failures, for a latency-over-time chart. */
export function timeline(results: readonly VegetaResult[], bucketMs = 250): TimelinePoint[] {
  if (!results.length) return [];
  const start = results[0].atMs;
  const buckets = new Map<number, VegetaResult[]>();
  for (const r of results) {
    const b = Math.floor((r.atMs - start) / bucketMs);
    buckets.set(b, [...(buckets.get(b) ?? []), r]);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, rs]) => ({
      t: round((b * bucketMs) / 1000),
      p99Ms: round(
        quantile(
          rs.map((r) => r.latencyMs).sort((x, y) => x - y),
          0.99,
        ),
      ),
      failed: rs.filter(failedResult).length,
      requests: rs.length,
    }));
}
