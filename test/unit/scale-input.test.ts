import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScaleUpInput } from '../../policy/scaling/scale-input';

describe('scaleUp input validation', () => {
  const accepted: Array<[string, unknown, Record<string, unknown>]> = [
    ['the plain CLI form gets the seed defaults', { service: 'jarvis-app' }, { count: 1, cooldownSeconds: 300, healthTimeoutSeconds: 60 }],
    [
      'explicit values are kept',
      { service: 'jarvis-app', count: 3, cooldownSeconds: 0, healthTimeoutSeconds: 5 },
      { count: 3, cooldownSeconds: 0 },
    ],
    ['fractional cooldowns are allowed', { service: 'jarvis-app', cooldownSeconds: 0.5 }, { cooldownSeconds: 0.5 }],
  ];
  for (const [name, raw, expected] of accepted) {
    it(`accepts: ${name}`, () => {
      const parsed = parseScaleUpInput(raw);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      for (const [key, value] of Object.entries(expected)) assert.equal((parsed.value as Record<string, unknown>)[key], value, key);
    });
  }

  // Each rejection must name the field and the rule; a lax schema would accept these silently.
  const rejected: Array<[string, unknown, RegExp]> = [
    ['a missing input', undefined, /JSON object/],
    ['a string instead of an object', 'jarvis-app', /JSON object/],
    ['a missing service', {}, /service must be a string/],
    ['an empty service', { service: '' }, /service must be lowercase/],
    ['a service with shell metacharacters', { service: 'app;rm -rf /' }, /service must be lowercase/],
    ['a service with path traversal', { service: '../etc' }, /service must be lowercase/],
    ['a non-numeric count', { service: 'jarvis-app', count: 'two' }, /count must be a number/],
    ['a numeric string count', { service: 'jarvis-app', count: '2' }, /count must be a number/],
    ['a zero count', { service: 'jarvis-app', count: 0 }, /count must be at least 1/],
    ['a fractional count', { service: 'jarvis-app', count: 1.5 }, /count must be a whole number/],
    ['a huge count', { service: 'jarvis-app', count: 1e9 }, /count must be at most 20/],
    ['a negative cooldown', { service: 'jarvis-app', cooldownSeconds: -5 }, /cooldownSeconds must not be negative/],
    ['a non-numeric cooldown', { service: 'jarvis-app', cooldownSeconds: '5m' }, /cooldownSeconds must be a number/],
    ['a zero health timeout', { service: 'jarvis-app', healthTimeoutSeconds: 0 }, /healthTimeoutSeconds must be at least 1/],
    ['a misspelt field', { service: 'jarvis-app', cooldown: 5 }, /unknown field\(s\): cooldown/],
  ];
  for (const [name, raw, message] of rejected) {
    it(`rejects ${name}`, () => {
      const parsed = parseScaleUpInput(raw);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.problems.join('; '), message);
    });
  }
});
