// autocannon (a devDependency, untyped) behind a small typed wrapper.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => PromiseLike<AutocannonResult> & { stop: () => void };

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
  /** Requests per second over all connections (autocannon's `overallRate`); unlimited when absent. */
  overallRate?: number;
  /** Request sequence each connection cycles through (autocannon's `requests`). */
  requests?: { method?: string; path: string; headers?: Record<string, string> }[];
  /** Called once per connection (autocannon's setupClient), e.g. to give each its own cookie. */
  setupClient?: (client: { setHeaders: (headers: Record<string, string>) => void }) => void;
}

/** A thenable run that can also be stopped early (autocannon's tracker). */
export function runLoad(options: LoadOptions): PromiseLike<AutocannonResult> & { stop: () => void } {
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    method: options.method ?? 'GET',
    requests: options.requests,
    overallRate: options.overallRate,
    setupClient: options.setupClient,
    timeout: 10,
  });
}

/** Every request that did not end in a 2xx: errors, timeouts and other statuses. */
export function failedRequests(result: AutocannonResult): number {
  return result.errors + result.timeouts + result.non2xx;
}
