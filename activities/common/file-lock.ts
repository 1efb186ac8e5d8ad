// A lock on one file, held across processes: the worker, an in-process test worker and the
// test helpers may all rewrite the same nginx upstream. Inside one process the holders
// queue on a promise chain; between processes the lock is a file created with O_EXCL that
// names its holder's pid, so a lock left by a killed process is taken over at once.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAlive } from './process-table';

export interface FileLockOptions {
  /** How long to wait for another process before failing (a retryable error). */
  timeoutMs?: number;
  /** A lock older than this is taken over even when its pid is alive (a reused pid). */
  staleMs?: number;
}

const queues = new Map<string, Promise<unknown>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The holder's pid (undefined while the holder has created the file but not written it yet) and the lock's age. */
async function holderOf(lockFile: string): Promise<{ pid: number | undefined; ageMs: number; ino: number } | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(lockFile, 'utf8'), fs.stat(lockFile)]);
    const pid = Number(text.trim().split(' ')[0]);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, ageMs: Date.now() - stat.mtimeMs, ino: stat.ino };
  } catch {
    return undefined; // released in the meantime
  }
}

async function acquire(lockFile: string, timeoutMs: number, staleMs: number): Promise<void> {
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await holderOf(lockFile);
    // This process's own lock can only be a leftover: its holders queue before reaching here.
    const abandoned =
      holder !== undefined &&
      (holder.ageMs > staleMs || (holder.pid !== undefined && (holder.pid === process.pid || !(await isAlive(holder.pid)))));
    if (abandoned) {
      // Only the file judged abandoned: another taker may have replaced it meanwhile (a new inode).
      const current = await fs.stat(lockFile).catch(() => undefined);
      if (current?.ino === holder.ino) await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${lockFile} is held by pid ${holder?.pid ?? 'unknown'}; gave up after ${timeoutMs} ms (${attempt} tries)`);
    await sleep(20);
  }
}

async function release(lockFile: string): Promise<void> {
  const holder = await holderOf(lockFile);
  if (holder?.pid === process.pid) await fs.rm(lockFile, { force: true });
}

/** Runs `fn` while holding `lockFile`; one holder at a time, in this process and across processes. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const previous = queues.get(lockFile) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await acquire(lockFile, options.timeoutMs ?? 30_000, options.staleMs ?? 60_000);
      try {
        return await fn();
      } finally {
        await release(lockFile);
      }
    });
  queues.set(lockFile, run);
  try {
    return await run;
  } finally {
    if (queues.get(lockFile) === run) queues.delete(lockFile);
  }
}
