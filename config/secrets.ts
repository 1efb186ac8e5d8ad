import { readFileSync } from 'node:fs';

/**
 * A secret from the environment, or else from a KEY=VALUE file (the stack's
 * secrets.env). Secrets are read where they are used and never travel in a
 * workflow's input, result or history.
 */
export function readSecret(name: string, env: Record<string, string | undefined>, file: string | undefined): string {
  if (env[name]) return env[name] as string;
  if (!file) return '';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const line = text.split('\n').find((l) => l.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).trim() : '';
}
