import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './stack';

const run = promisify(execFile);

/** The shell lines of the code block that follows `<!-- recipe: NAME -->` in the README. */
export function readmeRecipe(name: string): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const match = readme.match(new RegExp(`<!-- recipe: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``));
  if (!match) throw new Error(`README.md has no recipe "${name}"`);
  return match[1].split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

/** Where the install script put the Temporal CLI (it honours JARVIS_CACHE_DIR), as the README tells a reader to add to PATH. */
export function temporalCliDir(): string {
  const bin = execFileSync('bash', [path.join(repoRoot, 'infra', 'local', 'install-deps.sh'), 'temporal-path'], {
    encoding: 'utf8',
  }).trim();
  return path.dirname(bin);
}

/** Runs one README line with bash, the Temporal CLI on PATH, as a reader would. */
export async function runReadmeLine(line: string): Promise<{ stdout: string; stderr: string }> {
  return run('bash', ['-c', line], { env: { ...process.env, PATH: `${temporalCliDir()}:${process.env.PATH}` }, cwd: repoRoot });
}

/** The names of every `<!-- recipe: NAME -->` block whose name starts with `prefix`, in README order. */
export function readmeRecipeNames(prefix: string): string[] {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/<!-- recipe: ([a-z0-9-]+) -->/g)].map((m) => m[1]).filter((name) => name.startsWith(prefix));
}
