// The base of an instance's memory %: its configured limit, else its cgroup's, else the
// host's; and a limit of 0 refused with a message naming the variable, worker and app alike.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, readWorkerConfig } from '../../config/worker-config';
import { AppConfigError, parseAppSettings } from '../../app/settings';
import { cgroupMemoryLimitBytes, resolveMemoryLimit } from '../../app/lib/memory-limit';
import { createMemoryBallast } from '../../app/lib/memory-ballast';

const files = (entries: Record<string, string>) => (path: string) => entries[path];
const MB = 1024 * 1024;

describe('the memory limit an instance measures against', () => {
  const table: Array<[string, Record<string, string>, number | undefined]> = [
    ['cgroup v2 in a container (namespace root)', { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '268435456\n' }, 256 * MB],
    [
      'cgroup v2 on a host (the full path)',
      { '/proc/self/cgroup': '0::/system.slice/app.service\n', '/sys/fs/cgroup/system.slice/app.service/memory.max': '536870912' },
      512 * MB,
    ],
    ['cgroup v2 without a limit', { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' }, undefined],
    [
      'cgroup v1 with a limit',
      { '/proc/self/cgroup': '12:memory:/docker/abc\n', '/sys/fs/cgroup/memory/memory.limit_in_bytes': '134217728' },
      128 * MB,
    ],
    [
      'cgroup v1 unlimited (2^63 rounded to a page)',
      { '/proc/self/cgroup': '12:memory:/\n', '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' },
      undefined,
    ],
    ['no cgroup files at all', {}, undefined],
  ];
  for (const [name, entries, expected] of table) it(name, () => assert.equal(cgroupMemoryLimitBytes(files(entries)), expected));

  it('prefers INSTANCE_MEMORY_LIMIT_MB, then the cgroup, then the host', () => {
    const limited = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '268435456' });
    assert.deepEqual(resolveMemoryLimit(300, limited), { bytes: 300 * MB, source: 'INSTANCE_MEMORY_LIMIT_MB' });
    assert.deepEqual(resolveMemoryLimit(undefined, limited), { bytes: 256 * MB, source: 'cgroup' });
    assert.deepEqual(resolveMemoryLimit(undefined, files({})), { bytes: os.totalmem(), source: 'host' });
  });
});

describe('INSTANCE_MEMORY_LIMIT_MB as bad input', () => {
  it('the worker refuses 0, naming the variable', () => {
    assert.throws(
      () => readWorkerConfig({ INSTANCE_MEMORY_LIMIT_MB: '0' }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /INSTANCE_MEMORY_LIMIT_MB.*at least 1 megabyte/);
        return true;
      },
    );
    assert.equal(readWorkerConfig({}).instanceMemoryLimitMb, 512);
    assert.equal(readWorkerConfig({ INSTANCE_MEMORY_LIMIT_MB: '256' }).instanceMemoryLimitMb, 256);
  });

  it('an instance refuses 0 and a fraction, naming the variable', () => {
    const base = { PORT: '3101', INSTANCE_ID: 'jarvis-app-1', REDIS_APP_PASSWORD: 'x', ADMIN_TOKEN: '0123456789abcdef' };
    for (const bad of ['0', '1.5', 'lots']) {
      assert.throws(
        () => parseAppSettings({ ...base, INSTANCE_MEMORY_LIMIT_MB: bad }),
        (e: Error) => {
          assert.ok(e instanceof AppConfigError);
          assert.match(e.message, /INSTANCE_MEMORY_LIMIT_MB: /);
          return true;
        },
      );
    }
    assert.equal(parseAppSettings({ ...base, INSTANCE_MEMORY_LIMIT_MB: '256' }).memoryLimitMb, 256);
    assert.equal(parseAppSettings(base).memoryLimitMb, undefined);
  });
});

describe('the memory ballast', () => {
  it('holds whole 8 MB chunks, releases them, and refuses a bad size', () => {
    const ballast = createMemoryBallast(64);
    assert.equal(ballast.set(20), 24);
    assert.equal(ballast.set(0), 0);
    assert.throws(() => ballast.set(65), /megabytes must be a whole number from 0 to 64 \(got 65\)/);
    assert.throws(() => ballast.set(-1), RangeError);
  });
});
