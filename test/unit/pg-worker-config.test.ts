import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readWorkerConfig } from '../../config/worker-config';

describe('PostgreSQL HA worker configuration', () => {
  it('derives folders, ports and Redis nodes from the defaults', () => {
    const config = readWorkerConfig({ JARVIS_STATE_DIR: '/tmp/s', REDIS_BASE_PORT: '7100' });
    assert.equal(config.postgres.dataRoot, '/tmp/s/postgres');
    assert.equal(config.postgres.socketDir, '/tmp/s/postgres/sockets');
    assert.deepEqual(config.postgres.ports, { primary: 5432, replica1: 5433, replica2: 5434 });
    assert.deepEqual(
      config.redis.nodes.map((n) => n.port),
      [7100, 7101, 7102, 7103, 7104, 7105],
    );
    assert.equal(config.postgres.monitorEnabled, true);
  });

  it('takes REDIS_CLUSTER_NODES over the base port', () => {
    const config = readWorkerConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7003' });
    assert.deepEqual(config.redis.nodes, [
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7003 },
    ]);
  });

  const rejected: Array<[string, Record<string, string>, RegExp]> = [
    ['a Redis node with a malformed host', { REDIS_CLUSTER_NODES: 'redis_1!:7000' }, /REDIS_CLUSTER_NODES .*malformed host "redis_1!"/],
    ['a PostgreSQL host that is not a host', { PG_REPLICA2_HOST: 'db host' }, /PG_REPLICA2_HOST must be a hostname/],
    ['a DATABASE_URL without a host', { DATABASE_URL: 'postgresql:///jarvis' }, /DATABASE_URL has no host/],
    ['a non-numeric PostgreSQL port', { PG_REPLICA1_PORT: 'five' }, /PG_REPLICA1_PORT/],
    ['a monitor switch that is neither true nor false', { PG_MONITOR_ENABLED: 'yes' }, /PG_MONITOR_ENABLED/],
    ['a zero monitor interval', { PG_MONITOR_PROBE_INTERVAL_MS: '0' }, /PG_MONITOR_PROBE_INTERVAL_MS/],
  ];
  for (const [name, env, message] of rejected) {
    it(`rejects ${name}, naming the variable`, () => {
      assert.throws(
        () => readWorkerConfig(env),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }
});
