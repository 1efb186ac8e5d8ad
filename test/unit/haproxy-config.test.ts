import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  desiredServers,
  haproxyServerId,
  parseServersState,
  planRuntimeCommands,
  renderHaproxyBackend,
  runtimeMismatches,
  type HeldServer,
} from '../../activities/routing/haproxy-config';

const members = [
  { name: 'jarvis-app-2', port: 3102, since: 20 },
  { name: 'jarvis-app-1', port: 3101, since: 10 },
];
const routing = {
  newMemberWeight: 5,
  entries: { 'jarvis-app-1': { since: 10, weight: 40, down: false }, 'jarvis-app-2': { since: 20, weight: 1, down: true } },
};
const held = (name: string, port: number, extra: Partial<HeldServer> = {}): HeldServer => ({
  name,
  host: '127.0.0.1',
  port,
  weight: 1,
  maint: false,
  drain: false,
  ...extra,
});

describe('HAProxy backend rendering and runtime plans', () => {
  it('renders the cookie hash, each server, its router weight and an ejection as disabled', () => {
    const text = renderHaproxyBackend('jarvis-app', members, routing);
    assert.match(text, /balance hash req\.cook\(jarvis_sid\)\n {4}hash-type consistent/);
    assert.match(
      text,
      /server jarvis-app-1 127\.0\.0\.1:3101 id \d+ weight 102 # router weight 40\n {4}server jarvis-app-2 127\.0\.0\.1:3102 id \d+ weight 3 disabled # router weight 1/,
    );
    assert.match(renderHaproxyBackend('jarvis-app', members), /3101 id \d+ weight 256 # default weight/, 'no router: the most ring points');
  });

  it('plans by comparing what HAProxy holds with what it should hold', () => {
    const want = desiredServers(members, routing);
    const cases: Array<{ why: string; have: HeldServer[]; commands: string[] }> = [
      {
        why: 'empty backend: add each, ready unless ejected',
        have: [],
        commands: [
          `add server jarvis-app/jarvis-app-1 127.0.0.1:3101 id ${haproxyServerId('jarvis-app-1')} weight 102`,
          'set server jarvis-app/jarvis-app-1 state ready',
          `add server jarvis-app/jarvis-app-2 127.0.0.1:3102 id ${haproxyServerId('jarvis-app-2')} weight 3`,
        ],
      },
      {
        why: 'already there: nothing to do',
        have: [held('jarvis-app-1', 3101, { weight: 102 }), held('jarvis-app-2', 3102, { weight: 3, maint: true })],
        commands: [],
      },
      {
        why: 'weight, port, ejection and a leftover server',
        have: [
          held('jarvis-app-1', 3999, { weight: 7, maint: true }),
          held('jarvis-app-2', 3102, { weight: 3 }),
          held('jarvis-app-3', 3103),
        ],
        commands: [
          'set server jarvis-app/jarvis-app-1 addr 127.0.0.1 port 3101',
          'set weight jarvis-app/jarvis-app-1 102',
          'set server jarvis-app/jarvis-app-1 state ready',
          'set server jarvis-app/jarvis-app-2 state maint',
          'set server jarvis-app/jarvis-app-3 state maint',
          'del server jarvis-app/jarvis-app-3',
        ],
      },
    ];
    for (const c of cases) assert.deepEqual(planRuntimeCommands('jarvis-app', want, c.have), c.commands, c.why);
  });

  it('reports what a sync left undone; a removed server waiting in maintenance is fine', () => {
    const want = desiredServers(members, routing);
    assert.deepEqual(
      runtimeMismatches(want, [
        held('jarvis-app-1', 3101, { weight: 102 }),
        held('jarvis-app-2', 3102, { weight: 3, maint: true }),
        held('old', 1, { maint: true }),
      ]),
      [],
    );
    assert.deepEqual(runtimeMismatches(want, [held('jarvis-app-1', 3101, { weight: 3 }), held('old', 1)]), [
      'jarvis-app-1 has weight 3, not 102',
      'jarvis-app-2 is missing',
      'old is not a member but takes requests',
    ]);
  });

  it('gives each name its own id below 2^20, the same every time', () => {
    const ids = Array.from({ length: 50 }, (_, i) => haproxyServerId(`jarvis-app-${i + 1}`));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => id >= 1 && id < 2 ** 20));
    assert.equal(haproxyServerId('jarvis-app-1'), ids[0]);
  });

  it('parses show servers state', () => {
    const text = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ...',
      '3 jarvis-app 1 jarvis-app-1 127.0.0.1 2 0 40 40 5 1 0 0 0 0 0 0 - 3101 - 0 0 - - 0',
      '3 jarvis-app 2 jarvis-app-2 127.0.0.1 0 1 1 1 5 1 0 0 0 0 0 0 - 3102 - 0 0 - - 0',
      '3 jarvis-app 3 jarvis-app-3 127.0.0.1 2 8 1 1 5 1 0 0 0 0 0 0 - 3103 - 0 0 - - 0',
    ].join('\n');
    assert.deepEqual(parseServersState(text), [
      held('jarvis-app-1', 3101, { weight: 40 }),
      held('jarvis-app-2', 3102, { maint: true }),
      held('jarvis-app-3', 3103, { drain: true }),
    ]);
  });
});
