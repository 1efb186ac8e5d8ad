// The bad-input table: each row is one request an operator, a script or an attacker could
// send, with the message that must name the problem. The runner
// (bad-input-table.test.ts) checks for every row that it fails at once, non-retryably,
// and changes nothing. Cases the older per-area tests already hold (test/app/bad-input,
// test/pg/pg-bad-input, test/workflows/redis-bad-input, test/cli/cli-arguments) are not
// repeated here.
import { ports } from '../../testkit/ports';

/** The workers of the runner allow 1..3 instances and the runner keeps exactly one running. */
export const TABLE_LIMITS = { min: 1, max: 3 } as const;

export interface WorkflowCase {
  name: string;
  type: string;
  input: unknown;
  failureType: string;
  message: RegExp;
}

/** A row whose workflow must fail with InvalidInput: most of the table. */
function invalidInput(name: string, type: string, input: unknown, message: RegExp): WorkflowCase {
  return { name, type, input, failureType: 'InvalidInput', message };
}

const SHELL = 'jarvis-app;rm -rf / #';
const TRAVERSAL = '../../etc/passwd';
const UNKNOWN_NODE = 'c'.repeat(40);

export const workflowCases: WorkflowCase[] = [
  // scaleUp
  invalidInput('a negative count', 'scaleUp', { service: 'jarvis-app', count: -1 }, /count must be at least 1/),
  invalidInput('a huge count', 'scaleUp', { service: 'jarvis-app', count: 1e9 }, /count must be at most 20 per operation/),
  {
    name: 'a count past MAX_INSTANCES',
    type: 'scaleUp',
    input: { service: 'jarvis-app', count: TABLE_LIMITS.max, cooldownSeconds: 0 },
    failureType: 'LimitExceeded',
    message: new RegExp(`has 1 instances; adding ${TABLE_LIMITS.max} would exceed MAX_INSTANCES=${TABLE_LIMITS.max}`),
  },
  invalidInput(
    'shell metacharacters in the service',
    'scaleUp',
    { service: SHELL },
    /service must be lowercase letters, digits and dashes/,
  ),
  invalidInput('path traversal in the service', 'scaleUp', { service: TRAVERSAL }, /service must be lowercase letters, digits and dashes/),
  {
    name: 'an unknown service',
    type: 'scaleUp',
    input: { service: 'ghost-app', cooldownSeconds: 0 },
    failureType: 'UnknownService',
    message: /unknown service "ghost-app"; this worker scales: jarvis-app/,
  },
  invalidInput('an input that is not an object', 'scaleUp', 'jarvis-app', /input must be a JSON object such as \{"service":"jarvis-app"\}/),
  invalidInput('an unknown field', 'scaleUp', { service: 'jarvis-app', replicas: 5 }, /unknown field\(s\): replicas/),
  // scaleDown and drainInstance
  {
    name: 'a count that would go below MIN_INSTANCES',
    type: 'scaleDown',
    input: { service: 'jarvis-app', count: 1, cooldownSeconds: 0 },
    failureType: 'LimitExceeded',
    message: new RegExp(`removing 1 would go below MIN_INSTANCES=${TABLE_LIMITS.min}`),
  },
  invalidInput(
    'an unknown victim rule',
    'scaleDown',
    { service: 'jarvis-app', victim: 'oldest' },
    /victim must be "newest" or "least-loaded"/,
  ),
  invalidInput('a negative cooldown', 'scaleDown', { service: 'jarvis-app', cooldownSeconds: -5 }, /cooldownSeconds must not be negative/),
  {
    name: 'an unknown instance',
    type: 'drainInstance',
    input: { instance: 'jarvis-app-99' },
    failureType: 'UnknownInstance',
    message: /no instance named jarvis-app-99; jarvis-app has: jarvis-app-1/,
  },
  invalidInput(
    'shell metacharacters in the instance',
    'drainInstance',
    { instance: 'jarvis-app-1; reboot' },
    /instance must be an instance name such as "jarvis-app-3"/,
  ),
  invalidInput(
    'path traversal in the instance',
    'drainInstance',
    { instance: '../jarvis-app-1' },
    /instance must be an instance name such as "jarvis-app-3"/,
  ),
  // rollingUpdate and autoscaleCheck
  invalidInput(
    'a command substitution as the version',
    'rollingUpdate',
    { service: 'jarvis-app', version: '$(reboot)' },
    /version must be letters, digits, "\.", "_" or "-"/,
  ),
  {
    name: 'an unknown service',
    type: 'rollingUpdate',
    input: { service: 'ghost-app', version: 'v2' },
    failureType: 'UnknownService',
    message: /unknown service "ghost-app"/,
  },
  {
    name: 'an unknown service',
    type: 'autoscaleCheck',
    input: { service: 'ghost-app' },
    failureType: 'UnknownService',
    message: /unknown service "ghost-app"/,
  },
  invalidInput('a missing service', 'autoscaleCheck', {}, /service must be a string such as "jarvis-app"/),
  // PostgreSQL
  invalidInput(
    'an unknown cluster given as a path',
    'pgFailover',
    { cluster: '../main' },
    /cluster must be one of: main \(unknown cluster\)/,
  ),
  invalidInput('a negative lag bound', 'pgFailover', { cluster: 'main', maxLagBytes: -1 }, /maxLagBytes must not be negative/),
  invalidInput(
    'path traversal as the target',
    'pgSwitchover',
    { cluster: 'main', target: '../primary' },
    /target must be one of: primary, replica1, replica2/,
  ),
  invalidInput(
    'a huge timeout',
    'pgSwitchover',
    { cluster: 'main', target: 'replica1', timeoutSeconds: 1e9 },
    /timeoutSeconds must be at most 3600/,
  ),
  // Redis
  invalidInput(
    'a slot number out of bounds',
    'redisReshard',
    { target: UNKNOWN_NODE, ranges: [16384] },
    /ranges: "16384" is not a slot range within 0\.\.16383/,
  ),
  invalidInput('a huge slot count', 'redisReshard', { target: UNKNOWN_NODE, slots: 20000 }, /slots must be at most 16384/),
  invalidInput('a negative slot count', 'redisReshard', { target: UNKNOWN_NODE, slots: -3 }, /slots must be at least 1/),
  invalidInput('a privileged port', 'redisAddNode', { port: 80 }, /port must be at least 1024/),
  invalidInput('an address without a port', 'redisAddNode', { address: '127.0.2.7' }, /input: address: "127\.0\.2\.7" has no port/),
  invalidInput(
    'an address with a malformed host',
    'redisAddNode',
    { address: 'redis_7!:7000' },
    /input: address: "redis_7!:7000" has a malformed host "redis_7!"/,
  ),
  invalidInput(
    'shell metacharacters in the address',
    'redisAddNode',
    { address: `127.0.2.7:${ports.redisExtra[0]}; rm -rf /` },
    /input: address: .* has no valid port/,
  ),
  invalidInput(
    'shell metacharacters as the port',
    'redisAddNode',
    { port: `${ports.redisExtra[0]}; rm -rf /` },
    /port must be the new node's port/,
  ),
  invalidInput(
    'path traversal as the node id',
    'redisRemoveNode',
    { nodeId: TRAVERSAL },
    /nodeId must be a node id \(40 lowercase hex characters/,
  ),
  {
    name: 'an unknown node',
    type: 'redisRemoveNode',
    input: { nodeId: UNKNOWN_NODE },
    failureType: 'UnknownNode',
    message: new RegExp(`${UNKNOWN_NODE}`),
  },
  invalidInput('a threshold over 100 %', 'redisRebalance', { thresholdPercent: 150 }, /thresholdPercent must be at most 100/),
  {
    name: 'an unknown replica',
    type: 'redisFailover',
    input: { replicaId: UNKNOWN_NODE },
    failureType: 'UnknownNode',
    message: new RegExp(`${UNKNOWN_NODE}`),
  },
  { name: 'an unknown field', type: 'redisFix', input: { force: true }, failureType: 'InvalidInput', message: /unknown field\(s\): force/ },
];

/** `temporal workflow start --input` text: malformed JSON never reaches a workflow. */
export const malformedJsonInputs = ['{"service":', "{service: 'jarvis-app'}", '{"service":"jarvis-app",}'];

export interface CliCase {
  args: string[];
  message: RegExp;
  /** The mutex workflow the command would start: it must not be (re)started. */
  workflowId: string;
}

export const cliCases: CliCase[] = [
  {
    args: ['scale', SHELL, '--to', '2'],
    message: /unknown service "jarvis-app;rm -rf \/ #"; this stack scales: jarvis-app/,
    workflowId: 'scale/jarvis-app',
  },
  { args: ['scale', 'jarvis-app', '--to', '1e9'], message: /--to must be a whole number, got "1e9"/, workflowId: 'scale/jarvis-app' },
  { args: ['drain', TRAVERSAL], message: /instance must be an instance name such as "jarvis-app-3"/, workflowId: 'scale/jarvis-app' },
  { args: ['rollout', 'jarvis-app', '--version', '$(reboot)'], message: /version must be letters, digits/, workflowId: 'scale/jarvis-app' },
  {
    args: ['switchover', '--to', '../primary'],
    message: /target must be one of: primary, replica1, replica2/,
    workflowId: 'pg-failover/main',
  },
  {
    args: ['reshard', '--slots', '99999', '--to', String(ports.redis[0])],
    message: /slots must be (at most 16384|a whole number from 1)/,
    workflowId: 'redis-topology/cache',
  },
  {
    args: ['add-node', '--port', '99999'],
    message: /port must be (at most 55535|a whole number from 1024)/,
    workflowId: 'redis-topology/cache',
  },
  { args: ['remove-node', 'x;reboot'], message: /"x;reboot" is neither a node id/, workflowId: 'redis-topology/cache' },
];

export interface AdminCase {
  name: string;
  method: string;
  /** Sent as is on the request line (no URL normalisation). */
  rawPath: string;
  /** undefined: no Authorization header; 'TOKEN' is replaced by the real token. */
  authorization?: string;
  status: number;
  message: RegExp;
}

export const adminCases: AdminCase[] = [
  { name: 'no token', method: 'GET', rawPath: '/api/admin/metrics', status: 401, message: /send Authorization: Bearer <ADMIN_TOKEN>/ },
  {
    name: 'a wrong token of the same length',
    method: 'GET',
    rawPath: '/api/admin/health/instances',
    authorization: 'Bearer WRONG',
    status: 401,
    message: /send Authorization: Bearer <ADMIN_TOKEN>/,
  },
  {
    name: 'the token under another scheme',
    method: 'GET',
    rawPath: '/api/admin/autoscaler/status',
    authorization: 'Token TOKEN',
    status: 401,
    message: /send Authorization: Bearer <ADMIN_TOKEN>/,
  },
  {
    name: 'path traversal with the token',
    method: 'GET',
    rawPath: '/api/admin/../../../etc/passwd',
    authorization: 'Bearer TOKEN',
    status: 404,
    message: /no route \/api\/admin\/\.\.\/\.\.\/\.\.\/etc\/passwd/,
  },
  {
    name: 'an encoded traversal with the token',
    method: 'GET',
    rawPath: '/api/admin/metrics/%2e%2e/health/instances',
    authorization: 'Bearer TOKEN',
    status: 404,
    message: /no route/,
  },
  {
    name: 'an unknown admin path',
    method: 'GET',
    rawPath: '/api/admin/scale?to=99',
    authorization: 'Bearer TOKEN',
    status: 404,
    message: /no route \/api\/admin\/scale/,
  },
  {
    name: 'a write method',
    method: 'POST',
    rawPath: '/api/admin/metrics',
    authorization: 'Bearer TOKEN',
    status: 405,
    message: /only GET is served/,
  },
];

export interface ConfigCase {
  env: Record<string, string>;
  /** The variable the message must name. */
  variable: string;
  message: RegExp;
  /** Run with an empty state folder: no secrets.env to fall back on. */
  emptyStateDir?: boolean;
}

export const configCases: ConfigCase[] = [
  {
    env: { MIN_INSTANCES: '5', MAX_INSTANCES: '4' },
    variable: 'MAX_INSTANCES',
    message: /MAX_INSTANCES \(4\) must not be below MIN_INSTANCES \(5\)/,
  },
  {
    env: { SCALE_UP_THRESHOLD: '1.5' },
    variable: 'SCALE_UP_THRESHOLD',
    message: /SCALE_UP_THRESHOLD \(scaleUpThreshold\) must be in \(0, 1\]/,
  },
  {
    env: { SCALE_UP_THRESHOLD: '0.5', SCALE_DOWN_THRESHOLD: '0.9' },
    variable: 'SCALE_DOWN_THRESHOLD',
    message: /SCALE_DOWN_THRESHOLD \(scaleDownThreshold\) \(0\.9\) must be below/,
  },
  { env: { COOLDOWN_PERIOD: '-3' }, variable: 'COOLDOWN_PERIOD', message: /COOLDOWN_PERIOD/ },
  { env: { NGINX_PORT: '70000' }, variable: 'NGINX_PORT', message: /NGINX_PORT .*65535/ },
  { env: { REDIS_BASE_PORT: '80' }, variable: 'REDIS_BASE_PORT', message: /REDIS_BASE_PORT .*1024/ },
  { env: { TEMPORAL_ADDRESS: 'temporal.example.com' }, variable: 'TEMPORAL_ADDRESS', message: /TEMPORAL_ADDRESS has no port/ },
  // Endpoints (issue 13): any host is accepted, a malformed one is not. A host that does not
  // resolve is refused too (test/unit/endpoints.test.ts, with a stand-in resolver: a real
  // lookup of an unknown name would query this machine's DNS server, off loopback).
  { env: { REDIS_CLUSTER_NODES: '127.0.2.1:7000,127.0.2.2' }, variable: 'REDIS_CLUSTER_NODES', message: /"127\.0\.2\.2" has no port/ },
  { env: { PG_REPLICA1_HOST: 'pg 2' }, variable: 'PG_REPLICA1_HOST', message: /PG_REPLICA1_HOST must be a hostname/ },
  { env: { DATABASE_URL: 'postgresql:///jarvis' }, variable: 'DATABASE_URL', message: /DATABASE_URL has no host/ },
  { env: { APP_INSTANCE_HOST: '0.0.0.0' }, variable: 'APP_INSTANCE_HOST', message: /not a wildcard such as 0\.0\.0\.0/ },
  { env: { SERVICES: 'jarvis-app;rm -rf /' }, variable: 'SERVICES', message: /SERVICES must be a comma-separated list of service names/ },
  { env: { APP_VERSION: '$(id)' }, variable: 'APP_VERSION', message: /APP_VERSION/ },
  {
    env: { REDIS_PASSWORD: '', PG_SUPERUSER_PASSWORD: 'set-for-this-case-0123' },
    variable: 'REDIS_PASSWORD',
    message: /REDIS_PASSWORD must be set/,
    emptyStateDir: true,
  },
  {
    env: { REDIS_PASSWORD: 'set-for-this-case-0123', PG_SUPERUSER_PASSWORD: '' },
    variable: 'PG_SUPERUSER_PASSWORD',
    message: /PG_SUPERUSER_PASSWORD must be set/,
    emptyStateDir: true,
  },
];
