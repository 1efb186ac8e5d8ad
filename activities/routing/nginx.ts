// The load balancer: nginx, or HAProxy when LOAD_BALANCER=haproxy (the same files, the same
// activities; only the apply step differs, see upstream-commit.ts). nginx as the load balancer. Two owners share each upstream: the scaling operations own
// its membership (members.json, upstream-membership.ts) and the health router owns the
// weights and ejections of those members (routing.json, upstream-routing.ts). Every change
// reads both, renders one config and reloads (upstream-commit.ts), under one file lock
// (upstream-store.ts), so neither overwrites the other's part and no write is lost. A
// reload happens only when the loaded config differs; each is recorded in a small ledger.
import { createUpstreamMembershipActivities } from './upstream-membership';
import { createUpstreamRoutingActivities } from './upstream-routing';
import type { NginxSettings } from './upstream-store';

export type { UpstreamChange } from './upstream-membership';
export type { RoutingRequest, RoutingResult, UpstreamState } from './upstream-routing';
export type { NginxSettings, ReloadCause, ReloadLedger, ReloadRecord } from './upstream-store';

/** The upstream activities' settings from the worker's configuration: nginx or HAProxy (LOAD_BALANCER). */
export function loadBalancerSettings(config: {
  nginxBin: string;
  nginxPrefix: string;
  loadBalancer: 'nginx' | 'haproxy';
  haproxySocket: string;
}): NginxSettings {
  return { nginxBin: config.nginxBin, prefix: config.nginxPrefix, loadBalancer: config.loadBalancer, haproxySocket: config.haproxySocket };
}

export function createNginxActivities(settings: NginxSettings) {
  return {
    ...createUpstreamMembershipActivities(settings),
    ...createUpstreamRoutingActivities(settings),
  };
}
