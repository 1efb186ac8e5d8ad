// Reads a KEY=VALUE secrets file (the format of the stack's secrets.env). Values are
// never logged; a line that is not KEY=VALUE stops start-up naming the file and line number.
import { readFileSync } from 'node:fs';

export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`JARVIS_SECRETS_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`JARVIS_SECRETS_FILE: line ${index + 1} of ${file} is not KEY=VALUE`);
    values[match[1]] = match[2];
  });
  return values;
}
