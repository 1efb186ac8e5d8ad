// Where the control plane finds Temporal: Temporal's own environment configuration, read by
// @temporalio/envconfig exactly as the Temporal CLI and SDKs read it (variables first, then
// the TOML profile). These entries document the variables; config/temporal-settings.ts
// merges them with the profile and validates the result, naming the variable or profile key.
import { z } from 'zod';
import { doc } from './env-kit';

const text = () => z.string().optional();

export const temporalEnv = {
  TEMPORAL_ADDRESS: doc(
    text(),
    'where the worker, the CLI and the admin API find Temporal: `host:port`, any hostname or address (`[v6]:port` for IPv6)',
    "the profile's `address`, else `127.0.0.1:7233`",
  ),
  TEMPORAL_NAMESPACE: doc(
    text(),
    'the Temporal namespace; it must exist on the server (checked at start)',
    "the profile's, else `default`",
  ),
  TEMPORAL_API_KEY: doc(
    text(),
    'an API key, sent as `authorization: Bearer <key>`; turns TLS on unless `TEMPORAL_TLS=false`; never logged',
  ),
  TEMPORAL_TLS: doc(
    z.enum(['true', 'false', '1', '0']).optional(),
    '`true` turns TLS on with the system CAs; `false` turns it off even with an API key or TLS files; unset: on when any TLS file or an API key is given',
  ),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: doc(text(), "a PEM file with the CA that signed the server's certificate (else the system CAs)"),
  TEMPORAL_TLS_CLIENT_CERT_PATH: doc(text(), 'the client certificate (PEM) for mTLS; needs `TEMPORAL_TLS_CLIENT_KEY_PATH`'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: doc(text(), "the client certificate's private key (PEM); its contents are never logged"),
  TEMPORAL_TLS_SERVER_NAME: doc(text(), "the name the server's certificate must hold, when it differs from the address's host"),
  TEMPORAL_CONFIG_FILE: doc(
    text(),
    'a TOML file of profiles (`[profile.<name>]`); it must exist when set',
    '`~/.config/temporalio/temporal.toml` when present',
  ),
  TEMPORAL_PROFILE: doc(text(), 'the profile of the TOML file to use; it must exist when set', '`default`'),
};
