// Patroni's DCS for the bench: one Debian etcd on loopback, run as the postgres user, in a
// data folder of its own that each run starts empty.
import path from 'node:path';
import { freshPostgresDir, spawnAsPostgres, stopGroup } from './processes';
import { pollUntil } from './side';

export const ETCD_CLIENT_PORT = 2479;
export const ETCD_PEER_PORT = 2480;
export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export class BenchEtcd {
  private group?: number;

  constructor(private readonly dir: string) {}

  get endpoint(): string {
    return `127.0.0.1:${ETCD_CLIENT_PORT}`;
  }

  async start(): Promise<void> {
    await freshPostgresDir(this.dir);
    const client = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
    const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
    this.group = spawnAsPostgres(
      [
        ETCD_BIN,
        '--name=bench',
        `--data-dir=${path.join(this.dir, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=bench=${peer}`,
        '--initial-cluster-state=new',
      ],
      path.join(this.dir, 'etcd.log'),
    );
    await pollUntil(
      async () => ((await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined),
      30_000,
      `etcd on ${client} healthy`,
      200,
    );
  }

  async stop(): Promise<void> {
    if (this.group) await stopGroup(this.group, 1000);
  }
}
