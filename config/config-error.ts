// Configuration errors name the variable and the rule it broke. A value is echoed only when
// it cannot hold a secret: never for URLs (a DATABASE_URL may carry a password), passwords,
// tokens or keys, inline TLS data (TEMPORAL_TLS_CLIENT_KEY_DATA) or extra gRPC headers, and never with credentials in it.
import type { ZodError } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose value may hold a secret, by name. */
const MAY_HOLD_SECRET = /(_URL|URI|PASSWORD|TOKEN|SECRET|_KEY|CREDENTIALS?|_DATA)$|^TEMPORAL_GRPC_META_|^TEMPORAL_CODEC_AUTH$/i;

/** `user:password@` in any value, in case a secret sits where no name warns of it. */
const CREDENTIALS = /[^\s/@:]+:[^\s/@]*@/;

/** ` (got "…")`, or nothing when the value may hold a secret. */
export function shownValue(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (MAY_HOLD_SECRET.test(name)) return '';
  const text = JSON.stringify(value);
  if (CREDENTIALS.test(text)) return '';
  return ` (got ${text})`;
}

/** One ConfigError listing every problem, each naming its variable. */
export function configErrorFromIssues(issues: ZodError['issues'], env: NodeJS.ProcessEnv): ConfigError {
  const problems = issues.map((issue) => {
    const name = String(issue.path[0]);
    return `${issue.path.join('.')} ${issue.message}${shownValue(name, env[name])}`;
  });
  return new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
