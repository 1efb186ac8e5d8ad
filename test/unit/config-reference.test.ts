// docs/configuration.md is generated from the schemas; CI fails here when someone changes a
// setting and forgets to regenerate it (node dist/scripts/generate-config-reference.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { currentReference, referenceFile } from '../../scripts/generate-config-reference';
import { renderTable } from '../../scripts/config-reference';
import { workerEnvSchema } from '../../config/worker-env-schema';
import { appEnvSchema } from '../../app/settings';

describe('the configuration reference', () => {
  it('is up to date with the schemas', () => {
    const committed = readFileSync(referenceFile, 'utf8');
    assert.equal(committed, currentReference(), 'docs/configuration.md is stale; run: node dist/scripts/generate-config-reference.js');
  });

  it('lists every variable of the worker and the app schemas', () => {
    const text = currentReference();
    for (const name of [...Object.keys(workerEnvSchema.shape), ...Object.keys(appEnvSchema.shape)]) {
      assert.ok(text.includes(`| \`${name}\` |`), `${name} is missing`);
    }
  });

  it('refuses a variable without a description', () => {
    assert.throws(() => renderTable({ UNDOCUMENTED: z.string().default('x') }, '/repo'), /UNDOCUMENTED has no description/);
  });

  it('shows repository paths from <repo>, so every clone renders the same text', () => {
    const table = renderTable({ DIR: z.string().default('/somewhere/clone/.state').describe('a folder') }, '/somewhere/clone');
    assert.match(table, /`<repo>\/\.state`/);
  });
});
