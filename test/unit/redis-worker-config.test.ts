import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readWorkerConfig } from '../../config/worker-config';

describe('the worker configuration for Redis', () => {
  it('derives the seed nodes from REDIS_BASE_PORT when REDIS_CLUSTER_NODES is not set', () => {
    const config = readWorkerConfig({ REDIS_BASE_PORT: '7200', JARVIS_STATE_DIR: '/nonexistent-jarvis-state' });
    assert.deepEqual(
      config.redisClusterNodes.map((n) => n.port),
      [7200, 7201, 7202, 7203, 7204, 7205],
    );
    assert.equal(config.redisPassword, '', 'no password in the env and no secrets file');
  });

  it("reads REDIS_PASSWORD from the stack's secrets file when the env has none", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-config-'));
    writeFileSync(path.join(dir, 'secrets.env'), 'REDIS_PASSWORD=from-file\n');
    assert.equal(readWorkerConfig({ JARVIS_STATE_DIR: dir }).redisPassword, 'from-file');
    assert.equal(readWorkerConfig({ JARVIS_STATE_DIR: dir, REDIS_PASSWORD: 'from-env' }).redisPassword, 'from-env');
  });

  it('takes REDIS_CLUSTER_NODES as given', () => {
    const config = readWorkerConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7003' });
    assert.deepEqual(config.redisClusterNodes, [
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7003 },
    ]);
  });

  it('takes the seed’s hostnames (the product accepts any host)', () => {
    const config = readWorkerConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000,redis-2:7001,203.0.113.5:7002' });
    assert.deepEqual(
      config.redisClusterNodes.map((n) => `${n.host}:${n.port}`),
      ['redis-1:7000', 'redis-2:7001', '203.0.113.5:7002'],
    );
  });

  it('refuses a REDIS_CLUSTER_NODES entry without a port, naming the variable and the entry', () => {
    assert.throws(() => readWorkerConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000,redis-2' }), /REDIS_CLUSTER_NODES .*"redis-2" has no port/);
  });
});
