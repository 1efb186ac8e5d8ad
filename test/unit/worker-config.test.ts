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
    assert.equal(config.healthRouterEnabled, true);
    assert.deepEqual(
      [config.healthRouter.failureThreshold, config.healthRouter.rampSeconds, config.healthRouter.reloadIntervalSeconds],
      [3, 30, 5],
    );
  });

  it('reads the health router settings from HEALTH_ROUTER_* variables', () => {
    const config = readWorkerConfig({
      HEALTH_ROUTER_FAILURE_THRESHOLD: '2',
      HEALTH_ROUTER_RAMP_SECONDS: '12',
      HEALTH_ROUTER_ENABLED: 'false',
    });
    assert.deepEqual([config.healthRouter.failureThreshold, config.healthRouter.rampSeconds, config.healthRouterEnabled], [2, 12, false]);
  });

  it('accepts the swarm driver and its service name', () => {
    const config = readWorkerConfig({ ORCHESTRATOR: 'swarm', DOCKER_SERVICE_NAME: 'jarvis_jarvis-app' });
    assert.deepEqual([config.orchestrator, config.dockerServiceName], ['swarm', 'jarvis_jarvis-app']);
    assert.equal(readWorkerConfig({}).dockerServiceName, undefined, 'the service name by default');
  });

  it('accepts any Temporal host, as a real deployment names it', () => {
    for (const address of ['203.0.113.9:7233', 'temporal.example.com:7233', 'my-ns.a1b2c.tmprl.cloud:7233'])
      assert.equal(readWorkerConfig({ TEMPORAL_ADDRESS: address }).temporalAddress, address);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ DOCKER_SERVICE_NAME: 'Jarvis App' }, /DOCKER_SERVICE_NAME must be a Docker service name/],
    [{ MAX_INSTANCES: 'ten' }, /MAX_INSTANCES/],
    [{ MIN_INSTANCES: '5', MAX_INSTANCES: '4' }, /MAX_INSTANCES \(4\) must not be below MIN_INSTANCES \(5\)/],
    [{ TEMPORAL_ADDRESS: 'temporal.example.com' }, /TEMPORAL_ADDRESS has no port/],
    [{ SERVICES: 'jarvis-app,Bad Name' }, /SERVICES/],
    [{ ORCHESTRATOR: 'nomad' }, /ORCHESTRATOR/],
    [{ APP_BASE_PORT: '-1' }, /APP_BASE_PORT/],
    [{ HEALTH_ROUTER_FAILURE_THRESHOLD: '0' }, /HEALTH_ROUTER_FAILURE_THRESHOLD \(failureThreshold\) must be at least 1/],
    [{ HEALTH_ROUTER_RAMP_SECONDS: 'slow' }, /HEALTH_ROUTER_RAMP_SECONDS must be a number/],
    [{ HEALTH_ROUTER_ENABLED: 'yes' }, /HEALTH_ROUTER_ENABLED must be true or false/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(
        () => readWorkerConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
