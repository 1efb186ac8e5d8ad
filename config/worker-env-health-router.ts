// The health router's defaults (workflow healthRouter, one per service); each run may
// override them in its input by field name. Bounds in policy/routing/health-router-input.ts.
import { HEALTH_ROUTER_DEFAULTS, type HealthRouterSettings } from '../policy/routing/health-router';
import { doc, flag, num } from './env-kit';

/** Each HEALTH_ROUTER_* variable, the router setting it sets, and what it means. */
const ROUTER_VARIABLES: Array<[string, keyof HealthRouterSettings, string]> = [
  ['HEALTH_ROUTER_PROBE_INTERVAL', 'probeIntervalSeconds', 'seconds between probe rounds'],
  ['HEALTH_ROUTER_PROBE_TIMEOUT_MS', 'probeTimeoutMs', 'how long one probe may take'],
  ['HEALTH_ROUTER_FAILURE_THRESHOLD', 'failureThreshold', "failed rounds in a row that eject an instance (the breaker's N)"],
  ['HEALTH_ROUTER_OPEN_SECONDS', 'openSeconds', 'seconds out before half-open probes count'],
  ['HEALTH_ROUTER_RECOVERY_PROBES', 'recoveryProbes', 'good probes in a row that bring an instance back (M)'],
  [
    'HEALTH_ROUTER_RAMP_SECONDS',
    'rampSeconds',
    "a recovered or new instance's weight goes from 1 to the full weight in steps over this period",
  ],
  [
    'HEALTH_ROUTER_FULL_WEIGHT',
    'fullWeight',
    "the weight at the end of a ramp (higher makes `scaleUp`'s check through nginx slower to reach a new instance at weight 1)",
  ],
  [
    'HEALTH_ROUTER_RELOAD_INTERVAL',
    'reloadIntervalSeconds',
    'least seconds between two nginx reloads the router makes (none when nothing changed)',
  ],
  ['HEALTH_ROUTER_MAX_ERROR_RATE', 'maxErrorRate', 'a round fails above this 5xx rate'],
  ['HEALTH_ROUTER_MIN_REQUESTS', 'minRequests', 'the error rate is judged over at least this many requests'],
  ['HEALTH_ROUTER_MAX_EJECTED_PERCENT', 'maxEjectedPercent', 'most members out at once, percent'],
  ['HEALTH_ROUTER_ROUNDS_PER_RUN', 'roundsPerRun', 'rounds before the workflow continues as new'],
];

/** Each HEALTH_ROUTER_* variable and the router setting it sets. */
export const HEALTH_ROUTER_ENV: Record<string, keyof HealthRouterSettings> = Object.fromEntries(
  ROUTER_VARIABLES.map(([env, field]) => [env, field]),
);

export const healthRouterEnv = {
  HEALTH_ROUTER_ENABLED: doc(
    flag().default('true'),
    '`false`: the worker does not start `health-router/<service>` (a running one goes on; cancel it)',
  ),
  ...Object.fromEntries(
    ROUTER_VARIABLES.map(([env, field, meaning]) => [
      env,
      doc(num().default(HEALTH_ROUTER_DEFAULTS[field]), `${meaning} (input field \`${field}\`)`),
    ]),
  ),
};
