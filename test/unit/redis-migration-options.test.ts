// Pure checks of the migration options and helpers this branch changed: the reshard input's
// defaults and limits (named fields in the messages), the MIGRATE blocking estimate, and the
// per-phase profile sums the workflow keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimatedMigrateMs, MIGRATE_BYTES_PER_MS } from '../../policy/redis/redis-big-keys';
import { parseRedisFailoverInput, parseRedisReshardInput } from '../../policy/redis/redis-input';
import { addPhases } from '../../policy/redis/redis-migrate-phases';

const target = 'a'.repeat(40);

describe('redisReshard input: migration and big-key scan options', () => {
  it('fills the defaults', () => {
    const parsed = parseRedisReshardInput({ target, slots: 10 });
    assert.ok(parsed.ok);
    const { slotsPerActivity, slotConcurrency, migrateTimeoutMs, bigKeyScanKeys, bigKeyScanMs, batchBytes } = parsed.value;
    assert.deepEqual(
      { slotsPerActivity, slotConcurrency, migrateTimeoutMs, bigKeyScanKeys, bigKeyScanMs, batchBytes },
      {
        slotsPerActivity: 1024,
        slotConcurrency: 64,
        migrateTimeoutMs: 5000,
        bigKeyScanKeys: 20_000,
        bigKeyScanMs: 1000,
        batchBytes: 512 * 1024,
      },
    );
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ slotConcurrency: 0 }, /slotConcurrency must be at least 1/],
    [{ slotConcurrency: 2000 }, /slotConcurrency must be at most 1024/],
    [{ slotsPerActivity: 5000 }, /slotsPerActivity must be at most 4096/],
    [{ bigKeyScanKeys: -1 }, /bigKeyScanKeys must not be negative/],
    [{ bigKeyScanMs: 1.5 }, /bigKeyScanMs must be a whole number/],
    [{ bigKeyScanMs: 'soon' }, /bigKeyScanMs must be a number of milliseconds/],
    [{ migrateTimeoutMs: 50 }, /migrateTimeoutMs must be at least 100/],
  ];
  for (const [extra, message] of bad) {
    it(`rejects ${JSON.stringify(extra)}`, () => {
      const parsed = parseRedisReshardInput({ target, slots: 10, ...extra });
      assert.equal(parsed.ok, false);
      assert.match((parsed as { problems: string[] }).problems.join('; '), message);
    });
  }

  it("names timeoutSeconds in redisFailover's messages", () => {
    const parsed = parseRedisFailoverInput({ replicaId: target, timeoutSeconds: 0 });
    assert.equal(parsed.ok, false);
    assert.match((parsed as { problems: string[] }).problems.join('; '), /timeoutSeconds must be at least 1/);
  });
});

describe('MIGRATE blocking estimate', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [1, 1],
    [MIGRATE_BYTES_PER_MS, 1],
    [MIGRATE_BYTES_PER_MS + 1, 2],
    [10 * 1024 * 1024, Math.ceil((10 * 1024 * 1024) / MIGRATE_BYTES_PER_MS)],
  ];
  for (const [bytes, ms] of cases) it(`${bytes} bytes → ${ms} ms`, () => assert.equal(estimatedMigrateMs(bytes), ms));
});

describe('phase profile sums', () => {
  it('adds per phase, keeps phases only one side has, and tolerates a missing profile', () => {
    const total = addPhases({ migrate: 10, stateRead: 2 }, { migrate: 5, setslot: 3 });
    assert.deepEqual(total, { migrate: 15, stateRead: 2, setslot: 3 });
    assert.deepEqual(addPhases(total, undefined), { migrate: 15, stateRead: 2, setslot: 3 });
  });
});
