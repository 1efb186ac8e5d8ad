import { z } from 'zod';
import { readSecret } from '../config/secrets';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535),
  HOST: z.string().default('127.0.0.1'),
  INSTANCE_ID: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  APP_VERSION: z.string().default('v1'),
  STARTUP_DELAY_MS: z.coerce.number().int().min(0).default(500),
  SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(0).default(30_000),
  SERVICE_NAME: z.string().default('jarvis-app'),
  ADMIN_TOKEN: z.string().optional(),
  JARVIS_SECRETS_FILE: z.string().optional(),
});

export interface AppSettings {
  port: number;
  host: string;
  instanceId: string;
  version: string;
  startupDelayMs: number;
  shutdownDeadlineMs: number;
  service: string;
  adminToken: string;
}

export function readAppSettings(env: NodeJS.ProcessEnv): AppSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    process.stderr.write(`invalid app configuration: ${problems}\n`);
    process.exit(2);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    instanceId: e.INSTANCE_ID,
    version: e.APP_VERSION,
    startupDelayMs: e.STARTUP_DELAY_MS,
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    service: e.SERVICE_NAME,
    adminToken: readSecret('ADMIN_TOKEN', env, e.JARVIS_SECRETS_FILE),
  };
}
