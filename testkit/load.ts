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

export interface SteadyLoadResult {
  ok: number;
  failed: number;
  /** Requests retried once because a reused keep-alive connection closed before any answer. */
  retriedStaleConnections: number;
  failures: string[];
}

export interface SteadyLoad {
  stop(): Promise<SteadyLoadResult>;
}

/** A connection that closed before any byte of an answer: the request never reached the application. */
function closedBeforeAnswer(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET' || /other side closed/.test(cause?.message ?? '');
}

/**
 * Steady GET load that behaves like a browser: an idempotent request whose reused
 * keep-alive connection closes before any answer is sent again (RFC 9112 9.3.1), up to 3 times.
 * An nginx reload closes its old workers' idle connections, so this is what a real
 * client sees during a scale event. Every other error, and every non-200, is a failure.
 */
export function startSteadyLoad(url: string, options: { concurrency: number; maxSeconds: number; pauseMs?: number }): SteadyLoad {
  const result: SteadyLoadResult = { ok: 0, failed: 0, retriedStaleConnections: 0, failures: [] };
  const deadline = Date.now() + options.maxSeconds * 1000;
  let stopped = false;
  const fail = (why: string) => {
    result.failed += 1;
    if (result.failures.length < 20) result.failures.push(why);
  };
  // The pool may hold several idle connections that one reload closed, so a retry can meet another.
  const once = async (triesLeft = 3): Promise<Response> => {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      if (!closedBeforeAnswer(error) || triesLeft === 0) throw error;
      result.retriedStaleConnections += 1;
      return once(triesLeft - 1);
    }
  };
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      try {
        const res = await once();
        await res.arrayBuffer();
        if (res.status === 200) result.ok += 1;
        else fail(`HTTP ${res.status} from ${res.headers.get('x-instance-id') ?? 'nginx'}`);
      } catch (error) {
        fail(String((error as Error).cause ?? error));
      }
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
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
