// What the app's local image holds (scripts/app-image-files.ts): the packages the compiled
// app requires, and everything they depend on, resolved as Node resolves them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageClosure, requiredPackages } from '../../scripts/app-image-files';

describe('the app image file list', () => {
  it('takes the package names the compiled app requires, not its own files or built-ins', () => {
    const sources = [
      'const a = require("ioredis");\nconst b = require("./lib/x");\nconst c = require("node:http");',
      'const d = require("@scope/pkg/sub/path");\nconst e = require("pg");\nconst f = require("ioredis");',
    ];
    assert.deepEqual(requiredPackages(sources), ['@scope/pkg', 'ioredis', 'pg']);
  });

  it('follows dependencies as Node looks them up: a nested copy first, then the folders above', () => {
    const packages = {
      'node_modules/a': { dependencies: { b: '^1', c: '^1' } },
      'node_modules/a/node_modules/b': { dependencies: { c: '^1' } },
      'node_modules/b': { dependencies: {} },
      'node_modules/c': {
        optionalDependencies: { absent: '^1' },
        peerDependencies: { d: '*' },
        peerDependenciesMeta: { d: { optional: true } },
      },
      'node_modules/unused': {},
    };
    assert.deepEqual(packageClosure(packages, ['a']), ['node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/c']);
  });

  it('fails, naming the package and who needs it, when a required one is missing', () => {
    assert.throws(
      () => packageClosure({ 'node_modules/a': { dependencies: { gone: '^1' } } }, ['a']),
      /gone \(needed by node_modules\/a\)/,
    );
  });
});
