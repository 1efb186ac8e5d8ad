import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countByState, nodeHealth, stateOfFlags } from '../../policy/redis/redis-node-states';

describe('Redis node states from CLUSTER NODES flags', () => {
  const cases: Array<[string, string, 'ok' | 'pfail' | 'fail']> = [
    ['a healthy master', 'myself,master', 'ok'],
    ['a healthy replica', 'slave', 'ok'],
    ['a suspected master', 'master,fail?', 'pfail'],
    ['an agreed failure', 'slave,fail', 'fail'],
    ['a node in handshake', 'handshake', 'pfail'],
    ['a node without address', 'master,noaddr', 'pfail'],
    ['both fail and noaddr', 'master,fail,noaddr', 'fail'],
  ];
  for (const [name, flags, expected] of cases) {
    it(`${name} (${flags}) is ${expected}`, () => assert.equal(stateOfFlags(flags.split(',')), expected));
  }

  it('counts every state, with 0 for the empty ones', () => {
    const text = [
      'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922',
      'c3 127.0.0.1:7004@17004 slave,fail a1 0 0 1 disconnected',
      '',
    ].join('\n');
    const nodes = nodeHealth(text);
    assert.deepEqual(
      nodes.map((n) => n.address),
      ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7004'],
    );
    assert.deepEqual(countByState(nodes), { ok: 2, pfail: 0, fail: 1 });
  });

  it('rejects a line it does not understand', () => {
    assert.throws(() => nodeHealth('garbage'), /CLUSTER NODES line not understood: garbage/);
  });
});
