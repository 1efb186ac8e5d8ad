// Open-loop client traffic through the load balancer for the whole of a trial: GET /api/ping
// (the instances and nginx only) and POST /api/session/counter (a write to the session's
// Redis hash) alternate at a fixed rate, whatever the answers' latency, with no retry, on
// keep-alive connections as a real client keeps them. Each request carries its own
// X-Request-Id, which nginx logs with the upstream it went to when the request fails
// (infra/nginx/nginx.conf.template), so every failure can be matched to its cause.
//
// A Node sender rather than vegeta: the attribution needs each request's id, session (and so
// its Redis slot) and start and end on the harness's own clock, beside the faults' times.
import http from 'node:http';
import { createRequire } from 'node:module';
import { sleep } from './invariants/types';
import { NginxReloadWatcher } from './nginx-reloads';

const keySlot = createRequire(__filename)('cluster-key-slot') as (key: string) => number;

/** The Redis slot of a session's hash (app/lib/session-store.ts: jarvis:session:{id}). */
export const sessionSlot = (id: string) => keySlot(`jarvis:session:{${id}}`);

export interface TrafficRequest {
  id: string;
  method: 'GET' | 'POST';
  /** Epoch ms when it was sent and when its answer (or error) came. */
  startMs: number;
  endMs: number;
  status?: number;
  /** A transport error (no HTTP answer): ECONNREFUSED, ECONNRESET, timeout, … */
  error?: string;
  /** POST only: the session's Redis slot. */
  slot?: number;
  /** Sent on a keep-alive connection an earlier request had used. */
  reusedSocket?: boolean;
}

/** The cause of a reset on a keep-alive connection an nginx reload closed (traffic-attribution.ts). */
export const RELOAD_CAUSE = 'nginx reload: a reused keep-alive connection closed (not covered, docs/routing.md)';

export interface TrafficFailure {
  id: string;
  method: 'GET' | 'POST';
  /** Sent and answered, in ms after the workflow's start (negative: before it started). */
  atMs: number;
  durationMs: number;
  status?: number;
  error?: string;
  /** The upstream tries nginx logged (address and status), when it answered. */
  upstreams?: string;
  slot?: number;
  reusedSocket?: boolean;
  /** The struck fault that explains it (or an nginx reload, reported apart); undefined: nothing does (a violation). */
  cause?: string;
}

export interface TrafficResult {
  sent: { GET: number; POST: number };
  failed: { GET: number; POST: number };
  /** Failures per cause ("unexplained" for those no fault explains). */
  byCause: Record<string, number>;
  failures: TrafficFailure[];
}

export interface TrafficOptions {
  baseUrl: string;
  /** Requests per second, GET and POST alternating. */
  rate: number;
  /** Bounds: it stops by itself after this many requests or this long. */
  maxRequests: number;
  maxMs: number;
  /** A request with no answer by then is abandoned and counts as failed. */
  timeoutMs: number;
  /** A prefix for the X-Request-Id of each request (the trial). */
  idPrefix: string;
  /** Session ids the POSTs cycle through (kept up to date if the app issues a new one). */
  sessions: string[];
}

const COOKIE = /jarvis_sid=([0-9a-f]+)/;

function send(agent: http.Agent, options: TrafficOptions, request: TrafficRequest, session?: number): Promise<void> {
  const url = new URL(request.method === 'GET' ? '/api/ping' : '/api/session/counter', options.baseUrl);
  const headers: Record<string, string> = { 'x-request-id': request.id };
  if (session !== undefined) headers.cookie = `jarvis_sid=${options.sessions[session]}`;
  return new Promise((resolve) => {
    const done = (outcome: { status?: number; error?: string; reusedSocket?: boolean }) => {
      if (request.endMs) return;
      request.endMs = Date.now();
      Object.assign(request, outcome);
      resolve();
    };
    const req = http.request(url, { method: request.method, agent, headers, timeout: options.timeoutMs }, (res) => {
      const renewed = COOKIE.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
      if (renewed && session !== undefined) {
        // The session was gone (a new one was made): its writes went to the new session's slot.
        options.sessions[session] = renewed;
        request.slot = sessionSlot(renewed);
      }
      res.resume();
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (e) => done({ status: res.statusCode, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
    req.on('error', (e) => done({ error: (e as NodeJS.ErrnoException).code ?? e.message, reusedSocket: req.reusedSocket }));
    req.end();
  });
}

/** Sessions for the POSTs, made once through the load balancer before any trial (setup, not counted). */
export async function createSessions(baseUrl: string, count: number): Promise<string[]> {
  const sessions: string[] = [];
  for (let attempt = 0; sessions.length < count && attempt < count * 5; attempt++) {
    const res = await fetch(new URL('/api/session/counter', baseUrl), { method: 'POST', signal: AbortSignal.timeout(5_000) }).catch(
      () => undefined,
    );
    const id = COOKIE.exec(res?.headers.get('set-cookie') ?? '')?.[1];
    if (id) sessions.push(id);
    else await sleep(200);
  }
  if (sessions.length < count) throw new Error(`could create only ${sessions.length} of ${count} sessions through ${baseUrl}`);
  return sessions;
}

/** The open-loop sender: start() begins, stop() ends the sending and waits for the answers in flight. */
export class OpenLoopTraffic {
  readonly requests: TrafficRequest[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private readonly inFlight = new Set<Promise<void>>();
  /** nginx's reloads while the traffic ran (a reload's old workers close idle keep-alive connections). */
  readonly reloads = new NginxReloadWatcher();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(readonly options: TrafficOptions) {}

  start(): void {
    this.running = true;
    this.reloads.start();
    this.loop = this.sendAll();
  }

  private async sendAll(): Promise<void> {
    const began = Date.now();
    const gap = 1000 / this.options.rate;
    for (let n = 0; this.running && n < this.options.maxRequests && Date.now() - began < this.options.maxMs; n++) {
      // Open loop: request n leaves at its own moment, however long the earlier ones take.
      const due = began + n * gap - Date.now();
      if (due > 0) await sleep(due);
      const method = n % 2 === 0 ? 'GET' : 'POST';
      const session = method === 'POST' ? ((n - 1) / 2) % this.options.sessions.length : undefined;
      const request: TrafficRequest = { id: `${this.options.idPrefix}-${n}`, method, startMs: Date.now(), endMs: 0 };
      if (session !== undefined) request.slot = sessionSlot(this.options.sessions[session]);
      this.requests.push(request);
      const sent = send(this.agent, this.options, request, session);
      this.inFlight.add(sent);
      void sent.then(() => this.inFlight.delete(sent));
    }
  }

  async stop(): Promise<TrafficRequest[]> {
    this.running = false;
    await this.loop;
    await Promise.all(this.inFlight);
    await this.reloads.stop();
    this.agent.destroy();
    return this.requests;
  }
}
