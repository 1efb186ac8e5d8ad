import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './stack';

const run = promisify(execFile);

/** A page under docs/ that holds recipes, such as 'scaling.md'. */
export type DocsPage = 'scaling.md' | 'routing.md' | 'postgres.md' | 'cli.md' | 'kubernetes.md';

function readPage(page: DocsPage): string {
  return readFileSync(path.join(repoRoot, 'docs', page), 'utf8');
}

/** The shell lines of the code block that follows `<!-- recipe: NAME -->` in docs/PAGE. */
export function docsRecipe(page: DocsPage, name: string): string[] {
  const match = readPage(page).match(new RegExp(`<!-- recipe: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``));
  if (!match) throw new Error(`docs/${page} has no recipe "${name}"`);
  return match[1].split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

/** Where the install script put the Temporal CLI (it honours JARVIS_CACHE_DIR), as the docs tell a reader to add to PATH. */
export function temporalCliDir(): string {
  const bin = execFileSync('bash', [path.join(repoRoot, 'infra', 'local', 'install-deps.sh'), 'temporal-path'], {
    encoding: 'utf8',
  }).trim();
  return path.dirname(bin);
}

/** Runs one recipe line with bash, the Temporal CLI on PATH, as a reader would. */
export async function runDocsLine(line: string): Promise<{ stdout: string; stderr: string }> {
  return run('bash', ['-c', line], { env: { ...process.env, PATH: `${temporalCliDir()}:${process.env.PATH}` }, cwd: repoRoot });
}

/** The names of every `<!-- recipe: NAME -->` block of docs/PAGE whose name starts with `prefix`, in page order. */
export function docsRecipeNames(page: DocsPage, prefix: string): string[] {
  return [...readPage(page).matchAll(/<!-- recipe: ([a-z0-9-]+) -->/g)].map((m) => m[1]).filter((name) => name.startsWith(prefix));
}
