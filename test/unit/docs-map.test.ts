// The README is the way in: its folder map must match the tree, and no link in it or in
// docs/ may point at a page or heading that does not exist.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../config/env-kit';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const pages = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('the README and docs/', () => {
  it("map every top-level folder of the repository in the README's folder map, and only those", () => {
    const ignored = new Set(['node_modules', 'dist', '.git', '.ci', '.state', '.state-test']);
    const folders = readdirSync(repoRoot).filter(
      (f) => statSync(path.join(repoRoot, f)).isDirectory() && !ignored.has(f) && !f.startsWith('.'),
    );
    const map = read('README.md').split('## Folder map')[1].split('\n## ')[0];
    const mapped = [...map.matchAll(/^\| `([a-z-]+)\//gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(mapped)].sort(), folders.sort());
  });

  it('link only to pages and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, hash] = target.split('#');
        const resolved = file ? path.join(path.dirname(page), file) : page;
        if (!existsSync(path.join(repoRoot, resolved))) broken.push(`${page} → ${target}`);
        else if (hash && resolved.endsWith('.md')) {
          const headings = [...read(resolved).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]));
          if (!headings.includes(hash)) broken.push(`${page} → ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
