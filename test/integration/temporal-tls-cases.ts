// The bad Temporal settings of issue 13 and what each must print (the others, such as a
// certificate without its key or a missing profile, are pure and in test/unit/temporal-settings.test.ts). `good` is the environment that
// works through the test proxy; each case changes it. A case runs the real worker entry point,
// which must exit with `exitCode`, naming `variable`, before it starts anything.
import path from 'node:path';
import type { TlsProxy } from '../../testkit/temporal-tls-proxy';

export interface TemporalBadCase {
  name: string;
  env: (good: Record<string, string>, proxy: TlsProxy) => Record<string, string>;
  variable: string;
  message: RegExp;
  exitCode?: number;
  /** Also run `jarvis-scale status` with it: the three failures the issue names. */
  cli?: boolean;
}

const without = (env: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

export const temporalBadCases: TemporalBadCase[] = [
  {
    name: 'a wrong CA',
    env: (good, proxy) => ({ ...good, TEMPORAL_TLS_SERVER_CA_CERT_PATH: proxy.files.otherCa }),
    variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    message: /the certificate of Temporal at 127\.0\.0\.1:\d+ is not signed by the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    cli: true,
  },
  {
    name: 'a missing client certificate',
    env: (good) => without(good, 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
    variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    message:
      /requires a client certificate \(mTLS\) and none was given .*set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/,
    cli: true,
  },
  {
    name: 'a client certificate from another CA',
    env: (good, proxy) => ({
      ...good,
      TEMPORAL_TLS_CLIENT_CERT_PATH: proxy.files.strangerCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: proxy.files.strangerKey,
    }),
    variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    message: /refused the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH/,
  },
  {
    name: 'a wrong API key',
    env: (good) => ({ ...good, TEMPORAL_API_KEY: 'jarvis-wrong-key-00000000000000000000' }),
    variable: 'TEMPORAL_API_KEY',
    message:
      /refused the API key in TEMPORAL_API_KEY \(.*UNAUTHENTICATED|refused the API key in TEMPORAL_API_KEY \(.*authentication credentials/,
    cli: true,
  },

  {
    name: 'an API key with TLS turned off, where the server requires TLS',
    env: (good) => ({
      TEMPORAL_ADDRESS: good.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: good.TEMPORAL_NAMESPACE,
      TEMPORAL_API_KEY: good.TEMPORAL_API_KEY,
      TEMPORAL_TLS: 'false',
    }),
    variable: 'TEMPORAL_API_KEY',
    message: /TEMPORAL_API_KEY is set while TLS is turned off \(TEMPORAL_TLS=false\), and Temporal at 127\.0\.0\.1:\d+ requires TLS/,
  },
  {
    name: 'a namespace that does not exist',
    env: (good) => ({ ...good, TEMPORAL_NAMESPACE: 'jarvis-no-such-namespace' }),
    variable: 'TEMPORAL_NAMESPACE',
    message: /TEMPORAL_NAMESPACE names the namespace "jarvis-no-such-namespace", which does not exist on Temporal at/,
  },
  {
    name: 'a missing TLS file',
    env: (good, proxy) => ({ ...good, TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(proxy.dir, 'no-such.key') }),
    variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    message: /TEMPORAL_TLS_CLIENT_KEY_PATH names ".*no-such\.key", which cannot be read \(ENOENT\)/,
  },

  {
    name: 'an address without a port',
    env: (good) => ({ ...good, TEMPORAL_ADDRESS: 'temporal.example.com' }),
    variable: 'TEMPORAL_ADDRESS',
    message: /TEMPORAL_ADDRESS has no port: write host:port/,
  },
  {
    name: 'a hostname that does not resolve',
    env: (good) => ({ ...good, TEMPORAL_ADDRESS: 'temporal.jarvis.invalid:7233' }),
    variable: 'TEMPORAL_ADDRESS',
    message: /TEMPORAL_ADDRESS names the host "temporal\.jarvis\.invalid", which does not resolve/,
  },
];
