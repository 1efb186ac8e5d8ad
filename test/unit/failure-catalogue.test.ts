// Every failure type the code raises is in the catalogue (contracts/common/failure-types.ts),
// so a caller (CLI, tests, another workflow) can match on it. A grep over the sources: the
// types given as string literals to ApplicationFailure calls, `type:` fields and FailureType.X.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FailureType } from '../../contracts/common/failure-types';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CODE_DIRS = ['contracts', 'policy', 'workflows', 'activities', 'read-models', 'workers', 'admin-api', 'shared', 'cli', 'config'];
const catalogue = new Set<string>(Object.values(FailureType));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The failure types a source text names, with where: literals in failure calls, `type:` literals, FailureType.X. */
function failureTypesIn(text: string): string[] {
  const found: string[] = [];
  const calls = /ApplicationFailure\.(?:create|retryable|nonRetryable|fromError)\(|permanentFailure\(/g;
  for (const call of text.matchAll(calls)) {
    const window = text.slice(call.index, call.index + 600);
    // A type is a literal that is one PascalCase word; messages have spaces.
    for (const literal of window.matchAll(/['"`]([A-Z][A-Za-z0-9]+)['"`]/g)) found.push(literal[1]);
  }
  for (const field of text.matchAll(/\btype:\s*['"`]([A-Z][A-Za-z0-9]+)['"`]/g)) found.push(field[1]);
  for (const ref of text.matchAll(/\bFailureType\.([A-Za-z0-9]+)/g)) found.push(ref[1]);
  return found;
}

describe('the failure type catalogue', () => {
  it('holds every failure type the code raises', () => {
    const files = CODE_DIRS.flatMap((dir) => sourceFiles(path.join(repoRoot, dir)));
    assert.ok(files.length > 50, `found the sources (${files.length} files under ${repoRoot})`);
    const missing: string[] = [];
    for (const file of files) {
      for (const type of failureTypesIn(readFileSync(file, 'utf8'))) {
        if (!catalogue.has(type)) missing.push(`${path.relative(repoRoot, file)}: ${type}`);
      }
    }
    assert.deepEqual(missing, [], 'add these to contracts/common/failure-types.ts');
  });

  it('catches a type outside the catalogue (the check can fail)', () => {
    const planted = "throw ApplicationFailure.retryable(`slot ${slot} moved twice`, 'SlotMovedTwice');";
    assert.deepEqual(failureTypesIn(planted), ['SlotMovedTwice']);
    assert.deepEqual(failureTypesIn("ApplicationFailure.create({ type: 'Unlisted', message: 'x' })"), ['Unlisted', 'Unlisted']);
    assert.ok(!catalogue.has('SlotMovedTwice'));
    assert.deepEqual(failureTypesIn('throw permanentFailure(FailureType.NotAMaster, `node ${id} is a replica`);'), ['NotAMaster']);
  });
});
