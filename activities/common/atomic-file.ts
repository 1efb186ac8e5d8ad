import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Tells apart two writes of one file in flight at once inside one process. */
let writes = 0;

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a file. The
 * temporary name is unique per write, not only per process: two activities of one worker
 * (the long-running monitor's probe and a pgFailover's) writing the same file at once each
 * renamed the other's temporary file away, and one failed with ENOENT (found by the chaos
 * harness with pgMonitor running beside the trials).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  writes = (writes + 1) % 1_000_000;
  const tmp = `${file}.${process.pid}.${writes}.tmp`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

export async function readFileOr(file: string, fallback: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
}
