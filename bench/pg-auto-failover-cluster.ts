// The anchor: a pg_auto_failover formation (Debian's postgresql-15-auto-failover) on
// loopback: a monitor (by default on 6000) and 3 nodes on the next 3 ports, each
// `pg_autoctl run` in its own process group so a "node lost" kill takes keeper and server.
// Default settings unless `tuning` names monitor GUCs and keeper settings.
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
const MONITOR_LOGIN: Login = { user: 'autoctl_node', database: 'pg_auto_failover' };

/** Monitor GUCs (written to its postgresql.conf, as the docs allow) and keeper settings (`pg_autoctl config set`). */
export interface PafTuning {
  monitor: Record<string, string>;
  keeper: Record<string, string>;
}

export class PgAutoFailoverCluster {
  private groups = new Map<string, number>();
  readonly nodes: ServerRef[];

  constructor(
    readonly dir: string,
    readonly monitorPort = PAF_MONITOR_PORT,
    private readonly tuning?: PafTuning,
  ) {
    this.nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, port: monitorPort + i }));
  }

  private get monitorUri(): string {
    return `postgres://autoctl_node@127.0.0.1:${this.monitorPort}/pg_auto_failover?sslmode=disable`;
  }

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
    await this.autoctl(['create', 'monitor', ...this.serverArgs('monitor', this.monitorPort)]);
    if (this.tuning) {
      const lines = Object.entries(this.tuning.monitor).map(([k, v]) => `${k} = ${v}\n`);
      await fs.appendFile(path.join(this.dir, 'monitor', 'postgresql.conf'), `# failover bench: tuned\n${lines.join('')}`);
    }
    this.startKeeper('monitor');
    await this.waitPort(this.monitorPort);
    // The monitor's server may have been running since `create`: make it read the settings.
    await run('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', path.join(this.dir, 'monitor'), 'reload'], { cwd: '/' });
    for (const node of this.nodes) {
      await this.autoctl([
        'create',
        'postgres',
        ...this.serverArgs(node.name, node.port),
        '--monitor',
        this.monitorUri,
        '--name',
        node.name,
      ]);
      for (const [key, value] of Object.entries(this.tuning?.keeper ?? {}))
        await this.autoctl(['config', 'set', '--pgdata', path.join(this.dir, node.name), key, value]);
      this.startKeeper(node.name);
      await sleep(2000);
    }
    await this.waitStable(180_000);
  }

  private async waitPort(port: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await withClient(port, MONITOR_LOGIN, async () => true).catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`the pg_auto_failover monitor did not answer on ${port}`);
  }

  /** The monitor's view: node name → [reported state, goal state, PostgreSQL reported running]. */
  async states(): Promise<Record<string, [string, string, boolean]>> {
    return withClient(
      this.monitorPort,
      MONITOR_LOGIN,
      async (c) => {
        const { rows } = await c.query(
          'SELECT nodename, reportedstate::text AS r, goalstate::text AS g, reportedpgisrunning AS up FROM pgautofailover.node',
        );
        return Object.fromEntries(rows.map((row) => [row.nodename, [row.r, row.g, row.up]]));
      },
      2000,
    );
  }

  /** The monitor's settings as it runs with them. */
  async monitorSettings(): Promise<Record<string, string>> {
    return withClient(this.monitorPort, MONITOR_LOGIN, async (c) => {
      const { rows } = await c.query("SELECT name, setting FROM pg_settings WHERE name LIKE 'pgautofailover.%' ORDER BY 1");
      return Object.fromEntries(rows.map((r) => [r.name as string, r.setting as string]));
    });
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
    for (const name of ['monitor', ...this.nodes.map((n) => n.name)]) {
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
