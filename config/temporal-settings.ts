// The Temporal connection, read the way the Temporal CLI and SDKs read it: @temporalio/envconfig
// merges the TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) with the TEMPORAL_* variables.
// What envconfig passes over silently (a config file that is not there, a certificate without
// its key) or reports without naming the setting (an unreadable TLS file) stops start-up here
// with a message that names the variable or the profile key. Nothing here opens a connection.
import { readFileSync } from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { NAMESPACE } from '../contracts/common/names';
import { ConfigError } from './config-error';
import { parseTemporalAddress } from './temporal-address';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** The settings a message may name, each with the variable that sets it and its key in a profile. */
const SETTINGS = {
  address: ['TEMPORAL_ADDRESS', 'address'],
  namespace: ['TEMPORAL_NAMESPACE', 'namespace'],
  apiKey: ['TEMPORAL_API_KEY', 'api_key'],
  tls: ['TEMPORAL_TLS', 'tls.disabled'],
  serverCa: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'tls.server_ca_cert_path'],
  clientCert: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'tls.client_cert_path'],
  clientKey: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'tls.client_key_path'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME', 'tls.server_name'],
} as const;

export type TemporalSetting = keyof typeof SETTINGS;

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalSettings {
  address: string;
  host: string;
  port: number;
  namespace: string;
  /** What was configured, for diagnosing a failed connection; no secret in it. */
  tls: boolean;
  serverCa: boolean;
  clientCert: boolean;
  apiKey: boolean;
  /** Where each setting came from: the variable, or the key of the profile in its file; messages name it. */
  from: Record<TemporalSetting, string>;
  /** What a log may say about the connection: never the key or a file's contents. */
  summary: string;
  /** The SDK's connection options. They hold the API key and the client key: give them to a connection, never to a log. */
  connectionOptions(): TemporalConnectionOptions;
}

/** The TEMPORAL_* variables that are set to something: an empty one counts as unset, as in a compose file's `KEY=`. */
function temporalEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && (value !== '' || !name.startsWith('TEMPORAL_'))) kept[name] = value;
  return kept;
}

function loadProfiles(env: Record<string, string>): { fromFile: ClientConfigProfile; merged: ClientConfigProfile } {
  const file = env.TEMPORAL_CONFIG_FILE;
  if (file !== undefined) {
    try {
      readFileSync(file);
    } catch (error) {
      throw new ConfigError(
        `TEMPORAL_CONFIG_FILE names "${file}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  try {
    return {
      fromFile: loadClientConfigProfile({ overrideEnvVars: env, disableEnv: true }),
      merged: loadClientConfigProfile({ overrideEnvVars: env }),
    };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    if (/^Profile '.*' not found/.test(message))
      throw new ConfigError(
        `TEMPORAL_PROFILE names the profile "${env.TEMPORAL_PROFILE}", which ${file ?? 'the config file'} does not hold`,
      );
    throw new ConfigError(`TEMPORAL_CONFIG_FILE (${file ?? '~/.config/temporalio/temporal.toml'}) cannot be used: ${message}`);
  }
}

function sources(env: Record<string, string>, fromFile: ClientConfigProfile): Record<TemporalSetting, string> {
  const profile = `profile "${env.TEMPORAL_PROFILE ?? 'default'}" of ${env.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml'}`;
  const inFile: Record<TemporalSetting, unknown> = {
    address: fromFile.address,
    namespace: fromFile.namespace,
    apiKey: fromFile.apiKey,
    tls: fromFile.tls?.disabled,
    serverCa: fromFile.tls?.serverCACert,
    clientCert: fromFile.tls?.clientCert,
    clientKey: fromFile.tls?.clientKey,
    serverName: fromFile.tls?.serverName,
  };
  const named = (key: TemporalSetting): string => {
    const [variable, fileKey] = SETTINGS[key];
    return env[variable] === undefined && inFile[key] !== undefined ? `${fileKey} in the ${profile}` : variable;
  };
  return Object.fromEntries(Object.keys(SETTINGS).map((key) => [key, named(key as TemporalSetting)])) as Record<TemporalSetting, string>;
}

/** A TLS file must be there, readable and PEM; the message names the file, never what is in it. */
function checkPemFile(source: ConfigDataSource | undefined, setting: string): void {
  if (source === undefined || !('path' in source)) return;
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${setting} names "${source.path}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(`${setting} names "${source.path}", which is not a PEM file`);
}

function checkTls(profile: ClientConfigProfile, from: Record<TemporalSetting, string>): void {
  const tls = profile.tls;
  if (!tls || tls.disabled) return;
  checkPemFile(tls.serverCACert, from.serverCa);
  checkPemFile(tls.clientCert, from.clientCert);
  checkPemFile(tls.clientKey, from.clientKey);
  if (tls.clientCert && !tls.clientKey) throw new ConfigError(`${from.clientCert} is set but ${from.clientKey} is not: mTLS needs both`);
  if (tls.clientKey && !tls.clientCert) throw new ConfigError(`${from.clientKey} is set but ${from.clientCert} is not: mTLS needs both`);
}

function describe(s: Omit<TemporalSettings, 'summary' | 'connectionOptions' | 'from'>): string {
  const tls = s.tls ? `TLS${s.serverCa ? ' (own CA)' : ''}${s.clientCert ? ' with a client certificate' : ''}` : 'no TLS';
  return `${s.address}, namespace ${s.namespace}, ${tls}${s.apiKey ? ', API key' : ''}`;
}

/** The Temporal connection of the environment `env`, validated; throws a ConfigError naming the setting. */
export function readTemporalSettings(rawEnv: NodeJS.ProcessEnv): TemporalSettings {
  const env = temporalEnv(rawEnv);
  const { fromFile, merged } = loadProfiles(env);
  const from = sources(env, fromFile);
  const address = merged.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const parsed = parseTemporalAddress(address);
  if ('problem' in parsed) throw new ConfigError(`invalid configuration: ${from.address} ${parsed.problem} (got "${address}")`);
  const namespace = merged.namespace ?? NAMESPACE;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(namespace))
    throw new ConfigError(
      `invalid configuration: ${from.namespace} must be a namespace name such as default or jarvis.prod (got "${namespace}")`,
    );
  checkTls(merged, from);
  const options = (): TemporalConnectionOptions => {
    const { connectionOptions } = toClientOptions(merged);
    return {
      address,
      tls: connectionOptions.tls ?? undefined,
      apiKey: typeof connectionOptions.apiKey === 'string' ? connectionOptions.apiKey : undefined,
      metadata: connectionOptions.metadata as Record<string, string> | undefined,
    };
  };
  const tlsOn = Boolean(options().tls);
  const facts = {
    address,
    host: parsed.host,
    port: parsed.port,
    namespace,
    tls: tlsOn,
    serverCa: tlsOn && merged.tls?.serverCACert !== undefined,
    clientCert: tlsOn && merged.tls?.clientCert !== undefined,
    apiKey: merged.apiKey !== undefined,
  };
  return { ...facts, from, summary: describe(facts), connectionOptions: options };
}
