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

/** The text of a call's arguments, from the `(` at `open` to its matching `)`; string contents do not count. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

/** The failure types a source text names: whole-argument literals of failure calls, `type:` literals, FailureType.X. */
function failureTypesIn(text: string): string[] {
  const found: string[] = [];
  const calls = /(?:ApplicationFailure\.(?:create|retryable|nonRetryable|fromError)|permanentFailure)\(/g;
  for (const call of text.matchAll(calls)) {
    const args = argumentsAt(text, call.index + call[0].length - 1);
    // A type is a literal that is a whole argument and one PascalCase word; messages have spaces.
    for (const literal of args.matchAll(/[(,]\s*['"`]([A-Z][A-Za-z0-9]+)['"`]\s*[,)]/g)) found.push(literal[1]);
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
    assert.deepEqual(failureTypesIn("ApplicationFailure.create({ type: 'Unlisted', message: 'x' })"), ['Unlisted']);
    assert.deepEqual(failureTypesIn("throw permanentFailure('Unlisted', `bad (${a})`);"), ['Unlisted']);
    assert.ok(!catalogue.has('SlotMovedTwice'));
    assert.deepEqual(failureTypesIn('throw permanentFailure(FailureType.NotAMaster, `node ${id} is a replica`);'), ['NotAMaster']);
  });
});
