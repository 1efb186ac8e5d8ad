// autocannon (a devDependency, untyped) behind a small typed wrapper.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult> & { stop?: () => void };

export interface AutocannonResult {
  requests: { total: number; average: number; mean: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  method?: string;
  /** Request sequence each connection cycles through (autocannon's `requests`). */
  requests?: { method?: string; path: string; headers?: Record<string, string> }[];
}

export function runLoad(options: LoadOptions): Promise<AutocannonResult> {
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    method: options.method ?? 'GET',
    requests: options.requests,
    timeout: 10,
  });
}
// A steady fetch load that runs until stopped (bounded in time), for tests that load a service while a workflow runs.
export interface LoadResult {
  ok: number;
  failed: number;
  failures: string[];
  latenciesMs: number[];
}

export interface RunningLoad {
  stop(): Promise<LoadResult>;
}

export function startLoad(url: string, options: { concurrency: number; maxSeconds: number }): RunningLoad {
  const result: LoadResult = { ok: 0, failed: 0, failures: [], latenciesMs: [] };
  const deadline = Date.now() + options.maxSeconds * 1000;
  let stopped = false;
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status === 200) result.ok += 1;
        else {
          result.failed += 1;
          if (result.failures.length < 20) result.failures.push(`HTTP ${res.status} from ${res.headers.get('x-instance-id') ?? 'nginx'}`);
        }
      } catch (error) {
        result.failed += 1;
        if (result.failures.length < 20) result.failures.push(String((error as Error).cause ?? error));
      }
      result.latenciesMs.push(performance.now() - started);
    }
  };
  const workers = Array.from({ length: options.concurrency }, worker);
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return result;
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
