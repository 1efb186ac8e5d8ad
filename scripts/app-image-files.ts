// Lists what an app instance needs at run time, for infra/docker/build-local-image.sh: the
// built app (dist/app and dist/shared, which is all it imports of ours), package.json, and
// the packages it requires with everything they depend on, resolved the way Node resolves
// them in the installed tree that package-lock.json describes. The control plane's own
// packages (Temporal's core bridge alone is 150 MB) stay out: with the engine's vfs storage
// driver every container copies its whole image, so a small image starts replicas faster.
//   node dist/scripts/app-image-files.js   → one path per line, relative to the repository
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const APP_DIRS = ['dist/app', 'dist/shared'];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return jsFiles(full);
    return full.endsWith('.js') ? [full] : [];
  });
}

/** The package names the compiled app requires (relative paths and node: built-ins aside). */
export function requiredPackages(sources: string[]): string[] {
  const names = new Set<string>();
  for (const source of sources) {
    for (const match of source.matchAll(/require\("([^"]+)"\)/g)) {
      const spec = match[1];
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return [...names].sort();
}

/** Where `name` resolves from the package at `from` (a lock key such as node_modules/a), as Node looks it up. */
function resolveFrom(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** The lock keys (package folders) of `roots` and everything they depend on. */
export function packageClosure(packages: Record<string, LockPackage>, roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (from: string, name: string, optional: boolean) => {
    const key = resolveFrom(packages, from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the app'}) is not in package-lock.json`);
    }
    if (seen.has(key)) return;
    seen.add(key);
    const pkg = packages[key];
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(key, dep, true);
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) visit(key, dep, pkg.peerDependenciesMeta?.[dep]?.optional === true);
  };
  for (const root of roots) visit('', root, false);
  return [...seen].sort();
}

function main(): void {
  const repo = path.resolve(__dirname, '..', '..');
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
  const sources = APP_DIRS.flatMap((dir) => jsFiles(path.join(repo, dir))).map((file) => readFileSync(file, 'utf8'));
  const roots = requiredPackages(sources);
  process.stdout.write(['package.json', ...APP_DIRS, ...packageClosure(lock.packages, roots)].join('\n') + '\n');
}

if (require.main === module) main();
