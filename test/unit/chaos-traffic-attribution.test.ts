// The chaos traffic's attribution (test/chaos/traffic-attribution.ts): a failed request is
// excused only by a fault the trial struck, and only when the facts tie it to that fault.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FaultRecord } from '../chaos/report';
import { RELOAD_CAUSE, type TrafficRequest } from '../chaos/traffic';
import { attributeTraffic, readFailureLog, trafficExplained, type FailureLogLine } from '../chaos/traffic-attribution';

const OP = 1_000_000;
const req = (id: string, method: 'GET' | 'POST', start: number, end: number, extra: Partial<TrafficRequest> = {}): TrafficRequest => ({
  id,
  method,
  startMs: OP + start,
  endMs: OP + end,
  ...extra,
});
const fault = (
  kind: FaultRecord['kind'],
  target: FaultRecord['target'],
  killedAtMs: number,
  extra: Partial<FaultRecord> = {},
): FaultRecord => ({
  kind,
  target,
  plannedAtMs: killedAtMs,
  atMs: killedAtMs + 20,
  killedAtMs,
  waitedForTarget: false,
  struck: true,
  victim: 'v',
  workflowStatus: 'RUNNING',
  pendingActivities: [],
  ...extra,
});
const line = (requestId: string, status: number, upstreams: string[]): FailureLogLine => ({
  requestId,
  status,
  upstreams,
  upstreamStatuses: upstreams.map(() => String(status)),
});

describe('chaos traffic attribution', () => {
  it('excuses a request in flight to the killed instance, not one sent to it afterwards nor one to another instance', () => {
    const requests = [
      req('a', 'POST', 900, 1_010, { status: 502 }),
      req('b', 'POST', 1_500, 1_502, { status: 502 }),
      req('c', 'POST', 950, 1_020, { status: 502 }),
      req('d', 'GET', 0, 2, { status: 200 }),
    ];
    const log = new Map([
      ['a', line('a', 502, ['127.0.0.1:22101'])],
      ['b', line('b', 502, ['127.0.0.1:22101'])],
      ['c', line('c', 502, ['127.0.0.1:22102'])],
    ]);
    const result = attributeTraffic(requests, log, [fault('app-kill', 'drained-instance', 1_000, { appPort: 22101 })], OP);
    assert.deepEqual(result.sent, { GET: 1, POST: 3 });
    assert.deepEqual(result.failed, { GET: 0, POST: 3 });
    assert.deepEqual(
      result.failures.map((f) => [f.id, f.cause !== undefined]),
      [
        ['a', true],
        ['b', false],
        ['c', false],
      ],
    );
    assert.equal(result.failures[0].upstreams, '127.0.0.1:22101 502');
    const verdict = trafficExplained(result);
    assert.equal(verdict.ok, false);
    assert.match(verdict.detail, /2 unexplained: POST b at 1500 ms: 502 via 127\.0\.0\.1:22101 502; POST c/);
  });

  it('excuses transport errors while nginx was down, not an HTTP error then nor an error after it was back', () => {
    const requests = [
      req('a', 'GET', 1_200, 1_201, { error: 'ECONNREFUSED' }),
      req('b', 'GET', 1_300, 1_301, { status: 502 }),
      req('c', 'GET', 3_000, 3_001, { error: 'ECONNRESET' }),
    ];
    const result = attributeTraffic(requests, new Map(), [fault('lb-restart', 'nginx', 1_000, { downMs: 500 })], OP);
    assert.deepEqual(
      result.failures.map((f) => f.cause?.split(':')[0]),
      ['lb-restart nginx', undefined, undefined],
    );
  });

  it("excuses a POST on a killed master's slots until one on them succeeded again, and no other slot", () => {
    const killed = fault('redis-kill', 'master', 1_000, { redisSlots: [5, 6] });
    const requests = [
      req('a', 'POST', 1_100, 1_150, { status: 500, slot: 5 }),
      req('b', 'POST', 1_200, 1_250, { status: 500, slot: 9 }),
      req('c', 'POST', 4_000, 7_000, { status: 200, slot: 6 }),
      req('d', 'POST', 6_000, 6_050, { status: 500, slot: 6 }),
      req('e', 'POST', 8_000, 8_050, { status: 500, slot: 5 }),
    ];
    const result = attributeTraffic(requests, new Map(), [killed], OP);
    assert.deepEqual(
      result.failures.map((f) => [f.id, f.cause !== undefined]),
      [
        ['a', true],
        ['b', false],
        ['d', true],
        ['e', false],
      ],
    );
    assert.match(result.failures[0].cause ?? '', /slots unserved for 6000 ms/);
  });

  it('excuses nothing when no fault struck, and reads the lines of its own requests from nginx’s log', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'chaos-log-')), 'nginx-failures.log');
    writeFileSync(
      file,
      '1796252631.937 POST 502 "127.0.0.1:22101, 127.0.0.1:22102" "502, 502" 0.004 "trial-1"\n' +
        '1796252632.001 GET 499 "127.0.0.1:22103" "-" 1.500 "other-1"\n',
    );
    const log = readFailureLog(file, 'trial-');
    assert.deepEqual([...log.keys()], ['trial-1']);
    assert.deepEqual(log.get('trial-1')?.upstreams, ['127.0.0.1:22101', '127.0.0.1:22102']);
    const result = attributeTraffic([req('trial-1', 'POST', 0, 4, { status: 502 })], log, [], OP);
    assert.equal(trafficExplained(result).ok, false);
    assert.deepEqual(result.byCause, { unexplained: 1 });
  });
});

describe('chaos traffic attribution: nginx reloads', () => {
  it('reports a reset on a reused connection at a reload apart, and nothing else as one', () => {
    const reloads = [OP + 5_000];
    const requests = [
      req('a', 'POST', 5_200, 5_201, { error: 'ECONNRESET', reusedSocket: true }),
      req('b', 'POST', 5_200, 5_201, { error: 'ECONNRESET', reusedSocket: false }),
      req('c', 'POST', 9_000, 9_001, { error: 'ECONNRESET', reusedSocket: true }),
      req('d', 'GET', 5_100, 5_101, { status: 502 }),
    ];
    const result = attributeTraffic(requests, new Map(), [], OP, reloads);
    assert.deepEqual(
      result.failures.map((f) => [f.id, f.cause === RELOAD_CAUSE]),
      [
        ['a', true],
        ['b', false],
        ['c', false],
        ['d', false],
      ],
    );
    assert.equal(result.byCause.unexplained, 3);
  });
});
