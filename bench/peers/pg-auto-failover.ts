// pg_auto_failover as a peer: a monitor and three nodes (bench/pg-auto-failover-cluster.ts),
// at its defaults or tuned. Where to write is what its clients are told to use: the URL of
// `pg_autoctl show uri`, every node with target_session_attrs=read-write, which libpq
// resolves by trying the hosts in order and keeping the first that accepts writes.
import path from 'node:path';
import { PAF_LOGIN, PgAutoFailoverCluster, type PafTuning } from '../pg-auto-failover-cluster';
import { withClient, type ServerRef } from '../pg-writer';
import { pgStopImmediate, killPostmaster } from './processes';
import { pollUntil, type KillKind, type SettingRecord, type Side } from './side';

const CONFIG_DOC = 'https://pg-auto-failover.readthedocs.io/en/main/ref/configuration.html';
const FAULT_DOC = 'https://pg-auto-failover.readthedocs.io/en/main/fault-tolerance.html';

export type PafProfile = 'default' | 'tuned';

/**
 * The docs give no lower bound for any of these. What they do state: the monitor promotes only
 * after the primary has been unhealthy (health checks and node_considered_unhealthy_timeout)
 * and primary_demote_timeout has passed, which gives a primary cut off from the monitor
 * time to stop itself after the keeper's network_partition_timeout. The tuned profile keeps
 * that order and the defaults' margin (demote = 1.5 × partition) and shortens the rest.
 */
export const PAF_TUNING: PafTuning = {
  monitor: {
    'pgautofailover.health_check_period': '1000',
    'pgautofailover.health_check_timeout': '1000',
    'pgautofailover.health_check_max_retries': '2',
    'pgautofailover.health_check_retry_delay': '500',
    'pgautofailover.node_considered_unhealthy_timeout': '5000',
    'pgautofailover.primary_demote_timeout': '7500',
  },
  keeper: { 'timeout.network_partition_timeout': '5' },
};

const PAF_DEFAULTS: Record<string, string> = {
  'pgautofailover.health_check_period': '5000',
  'pgautofailover.health_check_timeout': '5000',
  'pgautofailover.health_check_max_retries': '2',
  'pgautofailover.health_check_retry_delay': '2000',
  'pgautofailover.node_considered_unhealthy_timeout': '20000',
  'pgautofailover.primary_demote_timeout': '30000',
  'timeout.network_partition_timeout': '20',
};

export class PgAutoFailoverSide implements Side {
  readonly name: string;
  readonly login = PAF_LOGIN;
  private readonly cluster: PgAutoFailoverCluster;
  private observed: Record<string, string> = {};

  constructor(
    private readonly profile: PafProfile,
    dir: string,
    monitorPort: number,
  ) {
    this.name = `pg_auto_failover-${profile}`;
    this.cluster = new PgAutoFailoverCluster(dir, monitorPort, profile === 'tuned' ? PAF_TUNING : undefined);
  }

  get servers(): ServerRef[] {
    return this.cluster.nodes;
  }

  settings(): Record<string, SettingRecord> {
    const chosen = this.profile === 'tuned' ? { ...PAF_TUNING.monitor, ...PAF_TUNING.keeper } : {};
    const records: Record<string, SettingRecord> = {
      version: { value: '2.0 (Debian postgresql-15-auto-failover)', source: 'infra/local/install-deps.sh bench-peers' },
      replication: {
        value:
          'number_sync_standbys 0, replication-quorum true on every node (the defaults): synchronous_standby_names ANY 1 of the standbys',
        source: 'https://pg-auto-failover.readthedocs.io/en/main/architecture-multi-standby.html',
      },
    };
    for (const [key, byDefault] of Object.entries(PAF_DEFAULTS)) {
      const keeper = key.startsWith('timeout.');
      records[key] = {
        value: chosen[key] ?? this.observed[key] ?? byDefault,
        source: keeper ? CONFIG_DOC : `${CONFIG_DOC} (and ${FAULT_DOC})`,
        note: `${key in chosen ? 'tuned' : 'default'}; default ${byDefault}${keeper ? ' s (keeper config)' : ' (monitor GUC)'}; the docs give no minimum`,
      };
    }
    records.routing = {
      value: 'the multi-host URL of `pg_autoctl show uri` (all nodes, target_session_attrs=read-write), resolved as libpq does',
      source: 'https://pg-auto-failover.readthedocs.io/en/main/ref/pg_autoctl_show_uri.html',
    };
    records.monitorAsRead = { value: this.observed, source: "pg_settings LIKE 'pgautofailover.%' on the monitor after start" };
    return records;
  }

  async start(): Promise<void> {
    await this.cluster.create();
    this.observed = await this.cluster.monitorSettings();
  }

  waitStable(timeoutMs: number): Promise<string> {
    return this.cluster.waitStable(timeoutMs);
  }

  /** What libpq does with the multi-host URL: the first node, in the URL's order, that is out of recovery. */
  async locatePrimary(): Promise<ServerRef | undefined> {
    for (const node of this.servers) {
      const ok = await withClient(
        node.port,
        this.login,
        async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r === false,
        500,
      ).catch(() => false);
      if (ok) return node;
    }
    return undefined;
  }

  async kill(primary: string, kind: KillKind): Promise<void> {
    if (kind === 'postmaster') await killPostmaster(path.join(this.cluster.dir, primary));
    else await this.cluster.killNode(primary);
  }

  /** The monitor's view: the killed primary reported down or other than primary, or assigned another goal. */
  detected(primary: string, killedAtMs: number, timeoutMs: number): Promise<number> {
    return pollUntil(
      async () => {
        const s = (await this.cluster.states())[primary];
        return s && (s[0] !== 'primary' || s[1] !== 'primary' || !s[2]) ? Date.now() : undefined;
      },
      timeoutMs - (Date.now() - killedAtMs),
      `${this.name}: the monitor showing the failure`,
    );
  }

  async recover(primary: string, kind: KillKind): Promise<void> {
    if (kind === 'node') {
      await pgStopImmediate(path.join(this.cluster.dir, primary));
      this.cluster.startKeeper(primary);
    }
  }

  stop(): Promise<void> {
    return this.cluster.destroy();
  }
}
