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
  /** Called once per connection (autocannon's setupClient), e.g. to give each its own cookie. */
  setupClient?: (client: { setHeaders: (headers: Record<string, string>) => void }) => void;
}

export function runLoad(options: LoadOptions): Promise<AutocannonResult> {
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    method: options.method ?? 'GET',
    requests: options.requests,
    setupClient: options.setupClient,
    timeout: 10,
  });
}
