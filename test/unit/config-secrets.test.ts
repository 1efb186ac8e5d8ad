// No configuration error may echo a value that may hold a secret: a malformed DATABASE_URL
// with a password used to come back whole in the message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readWorkerConfig } from '../../config/worker-config';
import { shownValue } from '../../config/config-error';

const PASSWORD = 's3cret-Pa55word';

function messageFor(env: NodeJS.ProcessEnv): string {
  try {
    readWorkerConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('configuration errors keep secrets out', () => {
  const cases: Array<{ name: string; env: NodeJS.ProcessEnv; variable: string }> = [
    {
      name: 'a malformed DATABASE_URL with a password',
      env: { DATABASE_URL: `postgres://jarvis:${PASSWORD}@127.0.0.1:5432 /jarvis` },
      variable: 'DATABASE_URL',
    },
    {
      name: 'a replica URL with a bad host',
      env: { READ_REPLICA_1_URL: `postgres://jarvis:${PASSWORD}@[bad-host/jarvis` },
      variable: 'READ_REPLICA_1_URL',
    },
    {
      name: 'credentials where no name warns of them',
      env: { REDIS_CLUSTER_NODES: `admin:${PASSWORD}@127.0.0.1:7000` },
      variable: 'REDIS_CLUSTER_NODES',
    },
  ];
  for (const c of cases) {
    it(`names ${c.variable} and not the password for ${c.name}`, () => {
      const message = messageFor(c.env);
      assert.match(message, new RegExp(`\\b${c.variable}\\b`));
      assert.ok(!message.includes(PASSWORD), `the message echoes the password: ${message}`);
    });
  }

  it('still shows a harmless bad value, which helps the reader', () => {
    assert.match(messageFor({ MIN_INSTANCES: 'three' }), /MIN_INSTANCES .*\(got "three"\)/);
  });

  it('hides values by the variable name: URLs, passwords, tokens, keys', () => {
    for (const name of ['DATABASE_URL', 'REDIS_PASSWORD', 'ADMIN_TOKEN', 'TEMPORAL_API_KEY']) assert.equal(shownValue(name, 'x'), '', name);
    assert.equal(shownValue('ORCHESTRATOR', 'podman'), ' (got "podman")');
  });
});
