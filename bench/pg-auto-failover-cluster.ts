// The anchor: a pg_auto_failover formation (Debian's postgresql-15-auto-failover) with
// its default settings on loopback: a monitor on 6000 and 3 nodes on 6001–6003, each
// `pg_autoctl run` in its own process group so a "node lost" kill takes keeper and server.
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sleep, withClient, type Login, type ServerRef } from './pg-writer';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ENV_PATH = `${PG_BIN}:${process.env.PATH}`;
export const PAF_MONITOR_PORT = 6000;
export const PAF_NODES: ServerRef[] = [1, 2, 3].map((i) => ({ name: `node${i}`, port: PAF_MONITOR_PORT + i }));
export const PAF_LOGIN: Login = { user: 'postgres', database: 'postgres' };
const MONITOR_URI = `postgres://autoctl_node@127.0.0.1:${PAF_MONITOR_PORT}/pg_auto_failover?sslmode=disable`;

export class PgAutoFailoverCluster {
  private groups = new Map<string, number>();

  constructor(readonly dir: string) {}

  /** pg_autoctl keeps its state under XDG folders: inside the bench folder, so a re-created formation starts clean. */
  private env(): string[] {
    return [
      `PATH=${ENV_PATH}`,
      `XDG_CONFIG_HOME=${path.join(this.dir, 'xdg', 'config')}`,
      `XDG_DATA_HOME=${path.join(this.dir, 'xdg', 'data')}`,
    ];
  }

  private autoctl(args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', 'env', ...this.env(), 'pg_autoctl', ...args], { cwd: '/', timeout: 120_000 });
  }

  /** Starts `pg_autoctl run` for one data folder in a new session (its own process group). */
  startKeeper(name: string): void {
    const pgdata = path.join(this.dir, name);
    const log = path.join(this.dir, `${name}.log`);
    const [envPath, xdgConfig, xdgData] = this.env();
    const child = spawn(
      'bash',
      [
        '-c',
        'exec runuser -u postgres -- env "$1" "$2" "$3" pg_autoctl run --pgdata "$4" >>"$5" 2>&1',
        'run',
        envPath,
        xdgConfig,
        xdgData,
        pgdata,
        log,
      ],
      { cwd: '/', detached: true, stdio: 'ignore' },
    );
    child.unref();
    this.groups.set(name, child.pid!);
  }

  /** Where a pg_autoctl server keeps its data and listens: loopback only, trust auth, no TLS (a throwaway bench cluster). */
  private serverArgs(name: string, port: number): string[] {
    return [
      '--pgdata',
      path.join(this.dir, name),
      '--pgport',
      String(port),
      '--hostname',
      '127.0.0.1',
      '--listen',
      '127.0.0.1',
      '--auth',
      'trust',
      '--no-ssl',
    ];
  }

  async create(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
    const { uid, gid } = await fs.stat('/var/lib/postgresql').catch(() => ({ uid: 0, gid: 0 }));
    await fs.chown(this.dir, uid, gid);
    await this.autoctl(['create', 'monitor', ...this.serverArgs('monitor', PAF_MONITOR_PORT)]);
    this.startKeeper('monitor');
    await this.waitPort(PAF_MONITOR_PORT);
    for (const node of PAF_NODES) {
      await this.autoctl(['create', 'postgres', ...this.serverArgs(node.name, node.port), '--monitor', MONITOR_URI, '--name', node.name]);
      this.startKeeper(node.name);
      await sleep(2000);
    }
    await this.waitStable(180_000);
  }

  private async waitPort(port: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await withClient(port, { user: 'autoctl_node', database: 'pg_auto_failover' }, async () => true).catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`the pg_auto_failover monitor did not answer on ${port}`);
  }

  /** The monitor's view: node name → [reported state, goal state]. */
  async states(): Promise<Record<string, [string, string]>> {
    return withClient(
      PAF_MONITOR_PORT,
      { user: 'autoctl_node', database: 'pg_auto_failover' },
      async (c) => {
        const { rows } = await c.query('SELECT nodename, reportedstate::text AS r, goalstate::text AS g FROM pgautofailover.node');
        return Object.fromEntries(rows.map((row) => [row.nodename, [row.r, row.g]]));
      },
      2000,
    );
  }

  /** One primary and two secondaries, reported and assigned alike. */
  async waitStable(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const s = await this.states().catch(() => ({}) as Record<string, [string, string]>);
      last = JSON.stringify(s);
      const values = Object.entries(s);
      const primaries = values.filter(([, [r, g]]) => r === 'primary' && g === 'primary');
      const secondaries = values.filter(([, [r, g]]) => r === 'secondary' && g === 'secondary');
      if (values.length === 3 && primaries.length === 1 && secondaries.length === 2) return primaries[0][0];
      await sleep(500);
    }
    throw new Error(`pg_auto_failover not stable within ${timeoutMs} ms: ${last}`);
  }

  async postmasterPid(name: string): Promise<number> {
    return Number((await fs.readFile(path.join(this.dir, name, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  }

  /** "Node lost": SIGKILL the keeper's whole process group and the postmaster. */
  async killNode(name: string): Promise<void> {
    const pid = await this.postmasterPid(name);
    const group = this.groups.get(name);
    if (group) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  async destroy(): Promise<void> {
    for (const [, group] of this.groups) {
      try {
        process.kill(-group, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await sleep(3000);
    for (const name of ['monitor', ...PAF_NODES.map((n) => n.name)]) {
      await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', path.join(this.dir, name), '-m', 'immediate', 'stop'], {
        cwd: '/',
      }).catch(() => undefined);
    }
    for (const [, group] of this.groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
