// Patroni as a peer: three members of one scope on loopback, sharing the bench's etcd,
// each `patroni <config>` running as the postgres user in its own session. Where to write
// is what Patroni itself says: the leader in its REST API's /cluster (the DCS leader key).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Login, ServerRef } from '../pg-writer';
import { patroniSettings, PATRONI_TIMERS, type PatroniProfile } from './patroni-settings';
import { freshPostgresDir, killNode, killPostmaster, PG_BIN, pgStopImmediate, run, spawnAsPostgres, stopGroup } from './processes';
import { pollUntil, type KillKind, type SettingRecord, type Side } from './side';

interface Member {
  name: string;
  role: string;
  state: string;
  port: number;
}

export class PatroniSide implements Side {
  readonly name: string;
  readonly servers: ServerRef[];
  readonly login: Login = { user: 'postgres', password: 'bench', database: 'postgres' };
  private groups = new Map<string, number>();
  private observed: unknown;

  /** Members' PostgreSQL ports are `pgBase`+0..2, their REST ports `restBase`+0..2. */
  constructor(
    private readonly profile: PatroniProfile,
    private readonly dir: string,
    pgBase: number,
    private readonly restBase: number,
    private readonly etcdEndpoint: string,
    private readonly patroniBin: string,
  ) {
    this.name = `patroni-${profile}`;
    this.servers = [0, 1, 2].map((i) => ({ name: `${profile[0]}${i + 1}`, port: pgBase + i }));
  }

  settings(): Record<string, SettingRecord> {
    return { ...patroniSettings(this.profile), dcsAsRead: { value: this.observed, source: 'GET /config on a member after bootstrap' } };
  }

  private restPort(name: string): number {
    return this.restBase + this.servers.findIndex((s) => s.name === name);
  }

  private dataDir(name: string): string {
    return path.join(this.dir, name, 'data');
  }

  private config(server: ServerRef): unknown {
    const rest = `127.0.0.1:${this.restPort(server.name)}`;
    const pg = `127.0.0.1:${server.port}`;
    const timers = this.profile === 'tuned' ? PATRONI_TIMERS.tuned : {};
    const pw = this.login.password;
    return {
      scope: `jarvis-bench-${this.profile}`,
      namespace: '/jarvis-bench/',
      name: server.name,
      restapi: { listen: rest, connect_address: rest },
      etcd3: { hosts: [this.etcdEndpoint] },
      bootstrap: {
        dcs: {
          ...timers,
          synchronous_mode: 'quorum',
          synchronous_node_count: 1,
          postgresql: {
            use_pg_rewind: true,
            use_slots: true,
            parameters: { wal_log_hints: 'on', max_wal_senders: 10, max_replication_slots: 10 },
          },
        },
        initdb: [{ encoding: 'UTF8' }, { locale: 'C' }],
      },
      postgresql: {
        listen: pg,
        connect_address: pg,
        data_dir: this.dataDir(server.name),
        bin_dir: PG_BIN,
        pgpass: path.join(this.dir, server.name, 'pgpass'),
        authentication: {
          superuser: { username: 'postgres', password: pw },
          replication: { username: 'replicator', password: pw },
          rewind: { username: 'postgres', password: pw },
        },
        pg_hba: ['local all all trust', 'host all all 127.0.0.1/32 md5', 'host replication replicator 127.0.0.1/32 md5'],
        parameters: { unix_socket_directories: path.join(this.dir, server.name) },
      },
    };
  }

  private startMember(name: string): void {
    const file = path.join(this.dir, name, 'patroni.json');
    this.groups.set(name, spawnAsPostgres([this.patroniBin, file], path.join(this.dir, name, 'patroni.log')));
  }

  async start(): Promise<void> {
    await freshPostgresDir(this.dir);
    for (const server of this.servers) {
      const own = path.join(this.dir, server.name);
      await fs.mkdir(own, { recursive: true, mode: 0o700 });
      await fs.writeFile(path.join(own, 'patroni.json'), JSON.stringify(this.config(server), null, 2));
    }
    await run('chown', ['-R', 'postgres:postgres', this.dir]);
    this.startMember(this.servers[0].name);
    await this.waitLeader(120_000);
    for (const server of this.servers.slice(1)) this.startMember(server.name);
    await this.waitStable(300_000);
    this.observed = await this.rest(this.servers[0].name, '/config');
  }

  private async rest(name: string, route: string): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${this.restPort(name)}${route}`, { signal: AbortSignal.timeout(1000) });
    return res.json();
  }

  /** The members as Patroni's REST API reports them, from the first member that answers. */
  async members(exclude?: string): Promise<Member[] | undefined> {
    for (const s of this.servers) {
      if (s.name === exclude) continue;
      const body = (await this.rest(s.name, '/cluster').catch(() => undefined)) as { members?: Member[] } | undefined;
      if (body?.members) return body.members;
    }
    return undefined;
  }

  private waitLeader(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => (await this.members())?.find((m) => m.role === 'leader' && m.state === 'running')?.name,
      timeoutMs,
      `${this.name}: a leader`,
      500,
    );
  }

  async waitStable(timeoutMs: number): Promise<string> {
    return pollUntil(
      async () => {
        const ms = await this.members();
        if (!ms || ms.length !== 3) return undefined;
        const leader = ms.filter((m) => m.role === 'leader' && m.state === 'running');
        const streaming = ms.filter((m) => m.role !== 'leader' && m.state === 'streaming');
        const sync = ms.filter((m) => m.role === 'sync_standby' || m.role === 'quorum_standby');
        return leader.length === 1 && streaming.length === 2 && sync.length >= 1 ? leader[0].name : undefined;
      },
      timeoutMs,
      `${this.name}: one running leader and two streaming standbys, one of them synchronous`,
      500,
    );
  }

  async locatePrimary(): Promise<ServerRef | undefined> {
    const leader = (await this.members())?.find((m) => m.role === 'leader');
    return leader && this.servers.find((s) => s.name === leader.name);
  }

  async kill(primary: string, kind: KillKind): Promise<void> {
    if (kind === 'postmaster') await killPostmaster(this.dataDir(primary));
    else await killNode(this.dataDir(primary), this.groups.get(primary));
  }

  /** Patroni's view (from a surviving member): the killed member is no longer a running leader. */
  detected(primary: string, killedAtMs: number, timeoutMs: number): Promise<number> {
    return pollUntil(
      async () => {
        const ms = await this.members(primary);
        const old = ms?.find((m) => m.name === primary);
        return ms && !(old?.role === 'leader' && old.state === 'running') ? Date.now() : undefined;
      },
      timeoutMs - (Date.now() - killedAtMs),
      `${this.name}: Patroni showing the failure`,
    );
  }

  async recover(primary: string, kind: KillKind): Promise<void> {
    if (kind === 'node') this.startMember(primary);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => stopGroup(g)));
    for (const s of this.servers) await pgStopImmediate(this.dataDir(s.name));
  }
}
