import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseNodes, nodeAtPort, nodeFolderName, parseNodeAddress, stackNode } from '../../policy/redis/redis-node-address';
import { parseRedisAddNodeInput } from '../../policy/redis/redis-input';

const label = (n: { host: string; port: number }) => `${n.host}:${n.port}`;

describe('where the stack runs its Redis nodes', () => {
  it('one host: node N on base port + N - 1', () => {
    const layout = { hostTemplate: '127.0.0.1', basePort: 7300 };
    assert.deepEqual(
      baseNodes(layout).map(label),
      [7300, 7301, 7302, 7303, 7304, 7305].map((p) => `127.0.0.1:${p}`),
    );
    assert.equal(label(stackNode(layout, 7)), '127.0.0.1:7306');
  });

  it('a host per node ({n}): every node on the one base port, as real hosts', () => {
    const layout = { hostTemplate: '127.0.2.{n}', basePort: 7000 };
    assert.deepEqual(
      baseNodes(layout).map(label),
      [1, 2, 3, 4, 5, 6].map((n) => `127.0.2.${n}:7000`),
    );
    assert.equal(label(stackNode(layout, 7)), '127.0.2.7:7000');
  });

  it('a port alone means that port on REDIS_HOST, {n} from the port, exactly as before', () => {
    assert.equal(label(nodeAtPort({ hostTemplate: '127.0.0.1', basePort: 7000 }, 7006)), '127.0.0.1:7006');
    assert.equal(label(nodeAtPort({ hostTemplate: '127.0.2.{n}', basePort: 7000 }, 7006)), '127.0.2.7:7006');
  });

  it('names state folders by port on one host (as before), by host_port otherwise', () => {
    const oneHost = { hostTemplate: '127.0.0.1', basePort: 7000 };
    const hostEach = { hostTemplate: '127.0.2.{n}', basePort: 7000 };
    assert.equal(nodeFolderName(oneHost, { host: '127.0.0.1', port: 7006 }), '7006');
    assert.equal(nodeFolderName(oneHost, { host: '127.0.0.9', port: 7006 }), '127.0.0.9_7006');
    assert.deepEqual(
      baseNodes(hostEach).map((n) => nodeFolderName(hostEach, n)),
      [1, 2, 3, 4, 5, 6].map((n) => `127.0.2.${n}_7000`),
      'six nodes on one port get six folders',
    );
  });
});

describe('a node address in an input', () => {
  it('parses host:port for hostnames, IPv4 and bracketed IPv6', () => {
    assert.deepEqual(parseNodeAddress('127.0.2.7:7000'), { host: '127.0.2.7', port: 7000 });
    assert.deepEqual(parseNodeAddress('redis-7.internal:7000'), { host: 'redis-7.internal', port: 7000 });
    assert.deepEqual(parseNodeAddress('[::1]:7000'), { host: '[::1]', port: 7000 });
  });

  for (const [text, expected] of [
    ['127.0.2.7', /has no port/],
    ['127.0.2.7:', /has no valid port/],
    ['127.0.2.7:80', /has no valid port .*1024 to 55535/],
    ['127.0.2.7:60000', /has no valid port/],
    ['999.0.0.1:7000', /malformed host "999\.0\.0\.1"/],
    ['redis_7!:7000', /malformed host "redis_7!"/],
    [':7000', /malformed host ""/],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} with a message naming the field`, () => {
      const parsed = parseRedisAddNodeInput({ address: text });
      assert.equal(parsed.ok, false);
      const message = parsed.ok ? '' : parsed.problems.join('; ');
      assert.match(message, /^address: /);
      assert.match(message, expected);
    });
  }

  it('takes exactly one of address and port', () => {
    assert.equal(parseRedisAddNodeInput({ port: 7006 }).ok, true, 'the older input still parses');
    const both = parseRedisAddNodeInput({ port: 7006, address: '127.0.2.7:7000' });
    const neither = parseRedisAddNodeInput({});
    for (const p of [both, neither]) assert.match(p.ok ? '' : p.problems.join(), /exactly one of address .* or port/);
  });
});
