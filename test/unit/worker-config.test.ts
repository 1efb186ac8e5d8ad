import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readWorkerConfig } from '../../config/worker-config';

describe('worker configuration', () => {
  it('has working defaults', () => {
    const config = readWorkerConfig({});
    assert.equal(config.taskQueue, 'jarvis-scaling');
    assert.equal(config.temporalAddress, '127.0.0.1:7233');
    assert.deepEqual(config.services, ['jarvis-app']);
    assert.equal(config.maxInstances, 10);
  });

  it('accepts the swarm driver and its service name', () => {
    const config = readWorkerConfig({ ORCHESTRATOR: 'swarm', DOCKER_SERVICE_NAME: 'jarvis_jarvis-app' });
    assert.deepEqual([config.orchestrator, config.dockerServiceName], ['swarm', 'jarvis_jarvis-app']);
    assert.equal(readWorkerConfig({}).dockerServiceName, undefined, 'the service name by default');
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ DOCKER_SERVICE_NAME: 'Jarvis App' }, /DOCKER_SERVICE_NAME must be a Docker service name/],
    [{ MAX_INSTANCES: 'ten' }, /MAX_INSTANCES/],
    [{ MIN_INSTANCES: '5', MAX_INSTANCES: '4' }, /MAX_INSTANCES \(4\) must not be below MIN_INSTANCES \(5\)/],
    [{ TEMPORAL_ADDRESS: '203.0.113.9:7233' }, /TEMPORAL_ADDRESS must be a loopback/],
    [{ SERVICES: 'jarvis-app,Bad Name' }, /SERVICES/],
    [{ ORCHESTRATOR: 'nomad' }, /ORCHESTRATOR/],
    [{ APP_BASE_PORT: '-1' }, /APP_BASE_PORT/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(() => readWorkerConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
