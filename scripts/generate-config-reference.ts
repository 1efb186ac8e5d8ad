// Writes docs/configuration.md from the schemas; with --check, exits 1 when the committed
// file differs (test/unit/config-reference.test.ts does the same check in the fast tier).
//   node dist/scripts/generate-config-reference.js [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appEnvSchema } from '../app/settings';
import { repoRoot } from '../config/env-kit';
import { WORKER_ENV_SECTIONS } from '../config/worker-env-schema';
import { renderConfigReference } from './config-reference';

export const referenceFile = path.join(repoRoot, 'docs', 'configuration.md');

export function currentReference(): string {
  return renderConfigReference(WORKER_ENV_SECTIONS, appEnvSchema, repoRoot);
}

if (require.main === module) {
  const text = currentReference();
  if (process.argv.includes('--check')) {
    if (readFileSync(referenceFile, 'utf8') !== text) {
      process.stderr.write('docs/configuration.md is stale; run: node dist/scripts/generate-config-reference.js\n');
      process.exit(1);
    }
  } else {
    writeFileSync(referenceFile, text);
    process.stdout.write(`wrote ${path.relative(repoRoot, referenceFile)}\n`);
  }
}
