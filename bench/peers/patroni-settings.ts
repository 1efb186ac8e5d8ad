// Patroni's failover timers at its defaults and tuned to the lowest values its own
// documentation allows, each with the page it comes from.
import type { SettingRecord } from './side';

export const PATRONI_VERSION = process.env.PATRONI_VERSION ?? '4.1.5';
const DYNAMIC_DOC = 'https://patroni.readthedocs.io/en/latest/dynamic_configuration.html';

export type PatroniProfile = 'default' | 'tuned';

/** The DCS timers (seconds) the bench bootstraps with; the defaults are left unset, so Patroni applies its own. */
export const PATRONI_TIMERS: Record<PatroniProfile, { ttl: number; loop_wait: number; retry_timeout: number }> = {
  default: { ttl: 30, loop_wait: 10, retry_timeout: 10 },
  tuned: { ttl: 20, loop_wait: 1, retry_timeout: 3 },
};

export function patroniSettings(profile: PatroniProfile): Record<string, SettingRecord> {
  const t = PATRONI_TIMERS[profile];
  const how = profile === 'default' ? 'Patroni default (not set in the bootstrap DCS section)' : 'the minimum the page gives';
  return {
    version: {
      value: `patroni[etcd3]==${PATRONI_VERSION} (PyPI), psycopg[binary], Debian etcd-server 3.4`,
      source: 'infra/local/install-deps.sh bench-peers',
    },
    ttl: {
      value: t.ttl,
      source: DYNAMIC_DOC,
      note: `${how}; "Default value: 30, minimum possible value: 20"`,
    },
    loop_wait: { value: t.loop_wait, source: DYNAMIC_DOC, note: `${how}; "Default value: 10, minimum possible value: 1"` },
    retry_timeout: { value: t.retry_timeout, source: DYNAMIC_DOC, note: `${how}; "Default value: 10, minimum possible value: 3"` },
    timerRule: {
      value: `loop_wait + 2 * retry_timeout <= ttl: ${t.loop_wait} + 2 * ${t.retry_timeout} = ${t.loop_wait + 2 * t.retry_timeout} <= ${t.ttl}`,
      source: DYNAMIC_DOC,
      note: 'the rule the page says every change of the three must follow',
    },
    synchronous_mode: {
      value: 'quorum',
      source: 'https://patroni.readthedocs.io/en/latest/replication_modes.html',
      note: 'synchronous_node_count 1: ANY 1 of the two standbys, as ours (ANY 1) and pg_auto_failover (number_sync_standbys 0 = ANY 1)',
    },
    primary_start_timeout: {
      value: 300,
      source: DYNAMIC_DOC,
      note: 'default kept: how long a crashed primary may take to restart in place before a failover (the postmaster-kill case)',
    },
    use_pg_rewind: { value: true, source: DYNAMIC_DOC, note: 'so a lost node rejoins after its agent restarts' },
  };
}
