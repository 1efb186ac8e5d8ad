// Input schemas of the Redis topology workflows. Shape and range checks only: whether a
// node exists, is a master or owns enough slots is checked against the live topology by
// the slot planner (redis-slot-plan.ts), before anything changes.
import { z } from 'zod';
import { MAX_SLOT, NODE_ID_PATTERN, type SlotRange } from './redis-cluster-view';
import { parseNodeAddress, type NodeAddress } from './redis-node-address';
import type { Parsed } from '../common/input';

export type { Parsed };

export { REDIS_CLUSTER_NAME } from '../../contracts/redis';

const nodeId = (field: string) =>
  z
    .string({ error: `${field} must be a node id (40 hex characters, from CLUSTER NODES)` })
    .regex(NODE_ID_PATTERN, `${field} must be a node id (40 lowercase hex characters, from CLUSTER NODES)`);

const strictObject = <T extends z.ZodRawShape>(shape: T, example: string) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : `input must be a JSON object such as ${example}`,
  });

/** "0-99", "5" or 5: one slot or an inclusive range within 0..16383. */
const slotRange = z
  .union([z.string(), z.number()], { error: 'ranges entries must be "first-last" strings such as "0-99", or slot numbers' })
  .transform((value, ctx): SlotRange => {
    const match = /^(\d+)(?:-(\d+))?$/.exec(String(value).trim());
    const first = match ? Number(match[1]) : NaN;
    const last = match ? Number(match[2] ?? match[1]) : NaN;
    if (!Number.isInteger(first) || !Number.isInteger(last) || first > MAX_SLOT || last > MAX_SLOT || first > last) {
      ctx.addIssue({ code: 'custom', message: `ranges: "${value}" is not a slot range within 0..${MAX_SLOT} with first ≤ last` });
      return z.NEVER;
    }
    return [first, last];
  });

/** How slots move; shared by reshard, rebalance and remove. */
const migrationShape = {
  throttleKeysPerSecond: z
    .number({ error: 'throttleKeysPerSecond must be a number of keys per second (0: no limit)' })
    .int('throttleKeysPerSecond must be a whole number')
    .min(0, 'throttleKeysPerSecond must not be negative')
    .default(0),
  slotsPerActivity: z
    .number()
    .int()
    .min(1, 'slotsPerActivity must be at least 1')
    .max(4096, 'slotsPerActivity must be at most 4096')
    .default(1024),
  maxParallel: z.number().int().min(1, 'maxParallel must be at least 1').max(16, 'maxParallel must be at most 16').default(4),
  /** Slots of one source/target pair open at the same time inside one activity: they move as one pipelined group. */
  slotConcurrency: z
    .number()
    .int()
    .min(1, 'slotConcurrency must be at least 1')
    .max(1024, 'slotConcurrency must be at most 1024')
    .default(64),
  /** Bytes aimed at per MIGRATE; the batch's key count follows the sampled key sizes. */
  batchBytes: z
    .number()
    .int()
    .min(1024, 'batchBytes must be at least 1024')
    .max(64 * 1024 * 1024, 'batchBytes must be at most 64 MiB')
    .default(512 * 1024),
  migrateTimeoutMs: z
    .number()
    .int()
    .min(100, 'migrateTimeoutMs must be at least 100')
    .max(600_000, 'migrateTimeoutMs must be at most 600000')
    .default(5000),
};

export type MigrationOptions = { [K in keyof typeof migrationShape]: z.output<(typeof migrationShape)[K]> };

const reshardSchema = strictObject(
  {
    target: nodeId('target'),
    sources: z
      .array(nodeId('sources[]'), { error: 'sources must be a list of node ids' })
      .min(1, 'sources must name at least one master')
      .optional(),
    slots: z
      .number({ error: 'slots must be a number of slots such as 100' })
      .int('slots must be a whole number')
      .min(1, 'slots must be at least 1')
      .max(16384, 'slots must be at most 16384')
      .optional(),
    ranges: z
      .array(slotRange, { error: 'ranges must be a list such as ["0-99", "200"]' })
      .min(1, 'ranges must name at least one slot')
      .optional(),
    /** Keys above this size are reported by the preflight: a MIGRATE of one blocks both nodes. */
    bigKeyBytes: z
      .number()
      .int()
      .min(1024)
      .default(8 * 1024 * 1024),
    /** The big-key scan samples at most this many keys (over all masters; 0: no scan)… */
    bigKeyScanKeys: z
      .number({ error: 'bigKeyScanKeys must be a number of keys' })
      .int('bigKeyScanKeys must be a whole number')
      .min(0, 'bigKeyScanKeys must not be negative')
      .max(100_000_000, 'bigKeyScanKeys must be at most 100000000')
      .default(20_000),
    /** …and stops after this many milliseconds, whichever comes first. */
    bigKeyScanMs: z
      .number({ error: 'bigKeyScanMs must be a number of milliseconds' })
      .int('bigKeyScanMs must be a whole number')
      .min(0, 'bigKeyScanMs must not be negative')
      .max(600_000, 'bigKeyScanMs must be at most 600000')
      .default(1000),
    /** History length after which the workflow continues as new (keeps the history small). */
    continueAsNewAfterEvents: z.number().int().min(100, 'continueAsNewAfterEvents must be at least 100').default(5000),
    ...migrationShape,
  },
  '{"target":"<node id>","slots":100}',
).refine((v) => (v.slots === undefined) !== (v.ranges === undefined), {
  message: 'give exactly one of slots (a count) or ranges (named slot ranges)',
});

export type RedisReshardInput = z.output<typeof reshardSchema>;

const rebalanceSchema = strictObject(
  {
    weights: z
      .record(nodeId('weights key'), z.number().min(0, 'weights must be 0 or more'), { error: 'weights must map node ids to numbers' })
      .optional(),
    thresholdPercent: z
      .number()
      .min(0, 'thresholdPercent must not be negative')
      .max(100, 'thresholdPercent must be at most 100')
      .default(2),
    useEmptyMasters: z.boolean({ error: 'useEmptyMasters must be true or false' }).default(false),
    dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
    ...migrationShape,
  },
  '{"useEmptyMasters":true}',
);

export type RedisRebalanceInput = z.output<typeof rebalanceSchema>;

/** A node's "host:port" in field `field`: the host it listens and is reached on, and its port. */
const nodeAddress = (field: string) =>
  z.string({ error: `${field} must be the node's "host:port", such as "127.0.2.7:7000"` }).transform((text, ctx): NodeAddress => {
    const parsed = parseNodeAddress(text.trim());
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `${field}: ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed;
  });

const addNodeSchema = strictObject(
  {
    /** Where the new node listens: "host:port". */
    address: nodeAddress('address').optional(),
    /** The older form: a port alone, on REDIS_HOST (node number port - REDIS_BASE_PORT + 1). */
    port: z
      .number({ error: "port must be the new node's port, such as 7006" })
      .int('port must be a whole number')
      .min(1024, 'port must be at least 1024')
      .max(55535, 'port must be at most 55535 (its cluster bus uses port+10000)')
      .optional(),
    /** Make it a replica of this master, or of the master with the fewest replicas ("auto"). */
    replicaOf: z.union([z.literal('auto'), nodeId('replicaOf')]).optional(),
    joinTimeoutSeconds: z.number().int().min(1).max(600).default(60),
  },
  '{"address":"127.0.2.7:7000"}',
).refine((v) => (v.address === undefined) !== (v.port === undefined), {
  message: 'give exactly one of address ("host:port" of the new node) or port (a port on REDIS_HOST)',
});

export type RedisAddNodeInput = z.output<typeof addNodeSchema>;

const removeNodeSchema = strictObject({ nodeId: nodeId('nodeId'), ...migrationShape }, '{"nodeId":"<node id>"}');
export type RedisRemoveNodeInput = z.output<typeof removeNodeSchema>;

const failoverSchema = strictObject(
  {
    replicaId: nodeId('replicaId'),
    timeoutSeconds: z
      .number({ error: 'timeoutSeconds must be a number of seconds' })
      .int('timeoutSeconds must be a whole number')
      .min(1, 'timeoutSeconds must be at least 1')
      .max(600, 'timeoutSeconds must be at most 600')
      .default(60),
  },
  '{"replicaId":"<node id>"}',
);
export type RedisFailoverInput = z.output<typeof failoverSchema>;

const fixSchema = strictObject({ dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false), ...migrationShape }, '{}');
export type RedisFixInput = z.output<typeof fixSchema>;

function parser<S extends z.ZodType>(schema: S) {
  return (raw: unknown): Parsed<z.output<S>> => {
    const result = schema.safeParse(raw ?? {});
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, problems: result.error.issues.map((issue) => issue.message) };
  };
}

export const parseRedisReshardInput = parser(reshardSchema);
export const parseRedisRebalanceInput = parser(rebalanceSchema);
export const parseRedisAddNodeInput = parser(addNodeSchema);
export const parseRedisRemoveNodeInput = parser(removeNodeSchema);
export const parseRedisFailoverInput = parser(failoverSchema);
export const parseRedisFixInput = parser(fixSchema);

export function migrationOptionsOf(input: MigrationOptions): MigrationOptions {
  const { throttleKeysPerSecond, slotsPerActivity, maxParallel, slotConcurrency, batchBytes, migrateTimeoutMs } = input;
  return { throttleKeysPerSecond, slotsPerActivity, maxParallel, slotConcurrency, batchBytes, migrateTimeoutMs };
}
