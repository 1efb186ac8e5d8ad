// The pure rules every bench's preflight applies (testkit/bench/preflight-rules.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as rules from '../../testkit/bench/preflight-rules';

const { BenchRefusal, missingTools, parseListeners, portProblems, refusal, runCount } = rules;

describe('run count', () => {
  const refused = ['0', '1', '2', '2.5', '-3', 'three', '', ' ', '3x', 'NaN', 'Infinity'];
  for (const text of refused)
    it(`refuses '${text}'`, () => {
      assert.throws(
        () => runCount('runs', text),
        (e: unknown) => e instanceof BenchRefusal && /--runs must be a whole number of at least 3/.test(e.message),
      );
    });
  for (const [text, n] of [
    ['3', 3],
    ['10', 10],
    [' 5 ', 5],
  ] as const)
    it(`accepts '${text}'`, () => assert.equal(runCount('runs', text), n));
  it('names the flag it read', () => assert.throws(() => runCount('drains', '1'), /--drains must/));
});

describe('missing tools', () => {
  const needs = [
    { what: 'vegeta', file: '/x/vegeta', install: 'bash infra/local/install-deps.sh vegeta' },
    { what: 'HAProxy', file: '/usr/sbin/haproxy', install: 'apt' },
  ];
  it('names each missing tool, its file and its install step', () => {
    assert.deepEqual(
      missingTools(needs, (f) => f === '/usr/sbin/haproxy'),
      ['vegeta is not installed (/x/vegeta is missing): install it with `bash infra/local/install-deps.sh vegeta`'],
    );
  });
  it('says nothing when all are there', () =>
    assert.deepEqual(
      missingTools(needs, () => true),
      [],
    ));
});

const SS = [
  'LISTEN 0      4096   127.0.0.1:17633 0.0.0.0:* users:(("temporal",pid=18761,fd=12))',
  'LISTEN 0      511    127.0.0.1:8480  0.0.0.0:* users:(("nginx",pid=23059,fd=4),("nginx",pid=14828,fd=4))',
  'LISTEN 0      511    [::1]:6000  [::]:*',
  'garbage',
  '',
].join('\n');

describe('listeners from ss -ltnpH', () => {
  it('reads each port and every holder, and a socket whose holder is hidden', () => {
    assert.deepEqual(parseListeners(SS), [
      { port: 17633, holders: [{ command: 'temporal', pid: 18761 }] },
      {
        port: 8480,
        holders: [
          { command: 'nginx', pid: 23059 },
          { command: 'nginx', pid: 14828 },
        ],
      },
      { port: 6000, holders: [] },
    ]);
  });
});

describe('port problems', () => {
  const listeners = parseListeners(SS);
  const cases: Array<{ name: string; uses: rules.PortUse[]; own: number[]; want: RegExp[] }> = [
    { name: "this stack's own services", uses: [{ port: 17633, what: 'Temporal', use: 'ours' }], own: [18761], want: [] },
    {
      name: 'a service another stack answers',
      uses: [{ port: 17633, what: 'Temporal', use: 'ours' }],
      own: [],
      want: [/port 17633 \(Temporal\) is held by temporal \(pid 18761\), which this stack did not start/],
    },
    { name: 'any one holder of ours is enough (nginx workers)', uses: [{ port: 8480, what: 'lb', use: 'ours' }], own: [23059], want: [] },
    {
      name: 'a service that is down',
      uses: [{ port: 5472, what: 'PostgreSQL primary', use: 'ours' }],
      own: [],
      want: [/does not answer: start this stack first/],
    },
    {
      name: 'a port the bench opens, taken',
      uses: [{ port: 6000, what: 'monitor', use: 'free' }],
      own: [],
      want: [/port 6000 \(monitor\) is held by another program/],
    },
    {
      name: 'a port the bench opens, taken even by this stack',
      uses: [{ port: 8480, what: 'x', use: 'free' }],
      own: [23059],
      want: [/held by nginx/],
    },
    { name: 'a port the bench opens, free', uses: [{ port: 6001, what: 'node1', use: 'free' }], own: [], want: [] },
    { name: 'a control plane of ours, reused', uses: [{ port: 17633, what: 'etcd', use: 'oursOrFree' }], own: [18761], want: [] },
    { name: 'a control plane not running yet', uses: [{ port: 16543, what: 'kube-apiserver', use: 'oursOrFree' }], own: [], want: [] },
    {
      name: "another stack's control plane",
      uses: [{ port: 17633, what: 'etcd', use: 'oursOrFree' }],
      own: [],
      want: [/which this stack did not start/],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = portProblems(c.uses, listeners, new Set(c.own));
      assert.equal(got.length, c.want.length, got.join('; '));
      c.want.forEach((re, i) => assert.match(got[i], re));
    });
});

describe('the refusal message', () => {
  it('lists every problem and says nothing changed', () => {
    const text = refusal('drain-latency', ['a', 'b']);
    assert.equal(text, 'drain-latency: refused, nothing was changed:\n  - a\n  - b');
  });
  it('names the state folder and how to stop the other stack when ports are the problem', () => {
    assert.match(refusal('x', ['p'], '/s'), /state folder is \/s: stop the other stack .*stack\.sh down/);
  });
});
