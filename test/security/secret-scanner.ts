// Looks for the stack's secrets in text: workflow histories (payloads decoded to text),
// and log files. A secret counts as found in clear, in base64, or URL-encoded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SecretHit {
  /** Where: a file path or "workflow <id> run <runId> event <n>". */
  where: string;
  /** The secret's name (never its value). */
  secret: string;
}

export type NamedSecrets = Record<string, string>;

/** The forms a secret could take in a payload or a log line. */
function forms(value: string): string[] {
  return [...new Set([value, Buffer.from(value).toString('base64'), encodeURIComponent(value)])];
}

export function findSecrets(text: string, secrets: NamedSecrets, where: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (forms(value).some((form) => text.includes(form))) hits.push({ where, secret: name });
  }
  return hits;
}

/** JSON of a history event with every byte field (payload data, metadata) decoded as UTF-8 text and as base64. */
export function eventText(event: unknown): string {
  return JSON.stringify(event, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      const bytes = Buffer.from(value);
      return `${bytes.toString('utf8')} ${bytes.toString('base64')}`;
    }
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

/** A log file: a name ending in .log (or a rotated .log.N), or any file under a logs/ folder. */
/** `file` relative to the scanned folder: a "logs" folder above it (a clone under /x/logs/) does not count. */
function isLogFile(file: string): boolean {
  return /\.log(\.\d+)?$/.test(file) || file.split(path.sep).includes('logs');
}

/** Every log file under `dir`, recursively (a bounded walk: at most 20000 entries). */
export function logFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const queue = [dir];
  let seen = 0;
  while (queue.length > 0 && seen < 20_000) {
    const current = queue.shift() as string;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // a folder the scan may not read (a PostgreSQL data folder owned by postgres is readable by root)
    }
    for (const entry of entries) {
      seen++;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) queue.push(full);
      else if (entry.isFile() && isLogFile(path.relative(dir, full))) found.push(full);
    }
  }
  return found.sort();
}

export function scanFiles(files: string[], secrets: NamedSecrets): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const file of files) {
    if (statSync(file).size > 256 * 1024 * 1024) throw new Error(`${file} is over 256 MiB; the scan refuses to read it whole`);
    hits.push(...findSecrets(readFileSync(file, 'latin1'), secrets, file));
  }
  return hits;
}
