// Which fault of the trial explains each failed request of its traffic, from facts only: the
// request's own start, end, status or transport error and session slot (traffic.ts), nginx's
// log line for it (the upstream each try went to and its status), and the faults the trial
// struck with the moment of each SIGKILL. A failure no struck fault explains is a violation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../../testkit/stack';
import type { FaultRecord } from './report';
import { RELOAD_CAUSE, type TrafficRequest, type TrafficResult } from './traffic';
import { broken, held, type InvariantResult } from './invariants/types';

/** One line of nginx's failure log (infra/nginx/nginx.conf.template, log_format jarvis_failures). */
export interface FailureLogLine {
  requestId: string;
  status: number;
  upstreams: string[];
  upstreamStatuses: string[];
}

export const nginxFailureLog = () => path.join(stateDir, 'logs', 'nginx-failures.log');

const LINE = /^\S+ \S+ (\d{3}) "([^"]*)" "([^"]*)" \S+ "([^"]*)"$/;

export function readFailureLog(file = nginxFailureLog(), idPrefix = ''): Map<string, FailureLogLine> {
  const lines = new Map<string, FailureLogLine>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return lines;
  }
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !m[4].startsWith(idPrefix)) continue;
    const list = (s: string) => (s === '-' ? [] : s.split(/, | : /));
    lines.set(m[4], { requestId: m[4], status: Number(m[1]), upstreams: list(m[2]), upstreamStatuses: list(m[3]) });
  }
  return lines;
}

/** A struck fault's window, in epoch ms, and which failed request it explains. */
interface Explanation {
  cause: string;
  explains: (r: TrafficRequest, log: FailureLogLine | undefined) => boolean;
}

// Clock slack around a SIGKILL: the kill and the request's own timestamps are read a few ms apart.
const SLACK_MS = 100;
const inFlightAt = (r: TrafficRequest, at: number) => r.startMs <= at + SLACK_MS && r.endMs >= at - SLACK_MS;
const overlaps = (r: TrafficRequest, from: number, to: number) => r.startMs <= to + SLACK_MS && r.endMs >= from - SLACK_MS;
/** How long a killed Redis master's slots may stay unserved when no later request on them succeeded. */
const REDIS_FAILOVER_BOUND_MS = 30_000;

function explanations(faults: FaultRecord[], opStart: number, requests: TrafficRequest[]): Explanation[] {
  const found: Explanation[] = [];
  for (const f of faults) {
    if (!f.struck || f.killedAtMs === undefined) continue;
    const at = opStart + f.killedAtMs;
    const cause = `${f.kind} ${f.target}: ${f.victim ?? '?'}`;
    if (f.kind === 'app-kill' && f.appPort) {
      const port = `:${f.appPort}`;
      // Sent to the instance and still waiting for its answer when it was killed.
      found.push({ cause, explains: (r, log) => inFlightAt(r, at) && !!log?.upstreams.some((u) => u.endsWith(port)) });
    } else if (f.kind === 'lb-restart') {
      const until = at + (f.downMs ?? 0);
      // No HTTP answer at all (refused, reset) while nginx was down.
      found.push({ cause, explains: (r) => r.status === undefined && overlaps(r, at, until) });
    } else if (f.kind === 'redis-kill' && f.redisSlots?.length) {
      const slots = new Set(f.redisSlots);
      const onSlots = (r: TrafficRequest) => r.slot !== undefined && slots.has(r.slot);
      // Its slots are served again once a later request on one of them succeeded (the cluster's failover).
      // (Its end, not its start: the app's client may have held it until the failover.)
      const back = requests
        .filter((r) => onSlots(r) && r.startMs > at && r.status !== undefined && r.status < 500)
        .reduce<number | undefined>((min, r) => Math.min(min ?? r.endMs, r.endMs), undefined);
      const until = back ?? at + REDIS_FAILOVER_BOUND_MS;
      found.push({ cause: `${cause} (slots unserved for ${until - at} ms)`, explains: (r) => onSlots(r) && overlaps(r, at, until) });
    }
  }
  return found;
}

const failed = (r: TrafficRequest) => r.status === undefined || r.status >= 500;

/** How far from a reload seen in the process table (sampled every 200 ms, on a loaded machine) a reset still counts as its. */
const RELOAD_SLACK_MS = 1_500;

/**
 * Not a fault the trial struck, but the documented limit of nginx as load balancer: at a
 * reload the old workers close their idle keep-alive connections, and a request sent on one
 * at that instant gets a reset and no answer (no log line: nginx never read it).
 */
function closedByReload(r: TrafficRequest, log: FailureLogLine | undefined, reloads: number[]): boolean {
  if (r.status !== undefined || !r.reusedSocket || log || !/^(ECONNRESET|EPIPE)$/.test(r.error ?? '')) return false;
  return reloads.some((at) => at >= r.startMs - RELOAD_SLACK_MS && at <= r.endMs + RELOAD_SLACK_MS);
}

/** Every request counted, every failure described and attributed to a struck fault, or to none. */
export function attributeTraffic(
  requests: TrafficRequest[],
  log: Map<string, FailureLogLine>,
  faults: FaultRecord[],
  opStart: number,
  reloads: number[] = [],
): TrafficResult {
  const known = explanations(faults, opStart, requests);
  const result: TrafficResult = { sent: { GET: 0, POST: 0 }, failed: { GET: 0, POST: 0 }, byCause: {}, failures: [] };
  for (const r of requests) {
    result.sent[r.method] += 1;
    if (!failed(r)) continue;
    result.failed[r.method] += 1;
    const line = log.get(r.id);
    const cause = known.find((e) => e.explains(r, line))?.cause ?? (closedByReload(r, line, reloads) ? RELOAD_CAUSE : undefined);
    result.byCause[cause ?? 'unexplained'] = (result.byCause[cause ?? 'unexplained'] ?? 0) + 1;
    result.failures.push({
      id: r.id,
      method: r.method,
      atMs: r.startMs - opStart,
      durationMs: r.endMs - r.startMs,
      status: r.status,
      error: r.error,
      upstreams: line ? line.upstreams.map((u, i) => `${u} ${line.upstreamStatuses[i] ?? '?'}`).join(', ') : undefined,
      slot: r.slot,
      reusedSocket: r.reusedSocket,
      cause,
    });
  }
  return result;
}

export function trafficExplained(result: TrafficResult): InvariantResult {
  const name = 'every failed request of the traffic explained by a fault the trial struck';
  const sent = `${result.sent.GET} GET + ${result.sent.POST} POST sent, ${result.failed.GET + result.failed.POST} failed`;
  const unexplained = result.failures.filter((f) => !f.cause);
  if (unexplained.length === 0) return held(name, `${sent}${result.failures.length ? `: ${JSON.stringify(result.byCause)}` : ''}`);
  const shown = unexplained
    .slice(0, 5)
    .map((f) => `${f.method} ${f.id} at ${f.atMs} ms: ${f.status ?? f.error}${f.upstreams ? ` via ${f.upstreams}` : ''}`);
  return broken(name, `${sent}, ${unexplained.length} unexplained: ${shown.join('; ')}`);
}
