// When nginx reloaded (or restarted) during a trial, seen from the process table: a reload
// starts new worker processes, so the moment a worker pid appears that was not there on the
// last look is a reload. The traffic check needs it to tell a keep-alive connection closed by
// a reload's old worker from any other reset (docs/routing.md, "Load balancer reloads").
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../../testkit/stack';
import { sleep } from './invariants/types';

function nginxWorkers(): Set<number> {
  let master = 0;
  try {
    master = Number(readFileSync(path.join(stateDir, 'nginx', 'nginx.pid'), 'utf8').trim());
  } catch {
    return new Set();
  }
  const workers = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === master) workers.add(Number(pid));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return workers;
}

export class NginxReloadWatcher {
  /** Epoch ms of each look that found a new worker. */
  readonly reloads: number[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  start(everyMs = 200): void {
    this.running = true;
    this.loop = (async () => {
      let seen = nginxWorkers();
      while (this.running) {
        await sleep(everyMs);
        const now = nginxWorkers();
        if ([...now].some((pid) => !seen.has(pid))) this.reloads.push(Date.now());
        seen = now;
      }
    })();
  }

  async stop(): Promise<number[]> {
    this.running = false;
    await this.loop;
    return this.reloads;
  }
}
