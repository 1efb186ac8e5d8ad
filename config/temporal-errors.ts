// The sentence a failed Temporal connection ends in: the reason policy/common/temporal-connection.ts
// chose, told with the name of the variable (or profile key) to fix. The server's own words
// follow in parentheses, with the API key cut out should any layer ever echo it.
import type { TemporalAttempt, TemporalDiagnosis, TemporalFailureReason } from '../policy/common/temporal-connection';
import { ConfigError } from './config-error';
import type { TemporalSettings } from './temporal-settings';

/** A setting is wrong: the worker and the admin API exit 2, the CLI too. */
export class TemporalSettingError extends ConfigError {
  override name = 'TemporalSettingError';
  constructor(
    message: string,
    readonly reason: TemporalFailureReason,
    readonly setting: string,
  ) {
    super(message);
  }
}

/** Nothing answers at the address: the worker exits 1, the CLI 3. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

type Explain = (s: TemporalSettings, detail: string) => string;

const at = (s: TemporalSettings) => `Temporal at ${s.address}`;

const caFix = 'set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it';

const SENTENCES: Record<TemporalFailureReason, Explain> = {
  'host-not-found': (s, d) => `${s.from.address} names the host "${s.host}", which does not resolve (${d})`,
  unreachable: (s, d) => `cannot reach ${at(s)} (${d}); check ${s.from.address} and that the server runs`,
  'server-ca-rejected': (s, d) =>
    s.serverCa
      ? `the certificate of ${at(s)} is not signed by the CA in ${s.from.serverCa} (${d}): a wrong CA file?`
      : `the certificate of ${at(s)} is not signed by a CA this machine trusts (${d}): ${caFix}`,
  'server-name-mismatch': (s, d) =>
    `the certificate of ${at(s)} is not valid for the name it was asked for (${d}): set ${s.from.serverName} to a name it holds`,
  'server-cert-expired': (s, d) => `the certificate of ${at(s)} has expired or is not valid yet (${d})`,
  'server-not-tls': (s, d) =>
    `TLS is on (${s.apiKey ? `${s.from.apiKey} turns it on` : `set by ${s.from.tls} or a TLS file`}) but ${at(s)} does not speak TLS (${d}): point ${s.from.address} at the TLS endpoint, or set TEMPORAL_TLS=false for a server without TLS`,
  'tls-required': (s) =>
    `${at(s)} requires TLS but TLS is off: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA), or remove ${s.from.tls}=false`,
  'api-key-without-tls': (s) =>
    `${s.from.apiKey} is set while TLS is turned off (${s.from.tls}=false), and ${at(s)} requires TLS: an API key is only sent over TLS; remove ${s.from.tls}=false`,
  'client-cert-required': (s, d) =>
    `${at(s)} requires a client certificate (mTLS) and none was given (${d}): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH`,
  'client-cert-rejected': (s, d) =>
    `${at(s)} refused the client certificate in ${s.from.clientCert} (${d}): is it signed by the CA the server trusts, and still valid?`,
  'api-key-rejected': (s, d) => `${at(s)} refused the API key in ${s.from.apiKey} (${d}): a wrong or expired key?`,
  'credentials-required': (s, d) => `${at(s)} requires credentials and none were given (${d}): set TEMPORAL_API_KEY`,
  'permission-denied': (s, d) =>
    `the credentials given may not use the namespace "${s.namespace}" on ${at(s)} (${d}); check ${s.from.apiKey} and ${s.from.namespace}`,
  'namespace-not-found': (s) =>
    `${s.from.namespace} names the namespace "${s.namespace}", which does not exist on ${at(s)}: create it (temporal operator namespace create --namespace ${s.namespace}) or fix ${s.from.namespace}`,
  unknown: (s, d) => `cannot use ${at(s)} (${d}); check ${s.from.address}`,
};

function detail(s: TemporalSettings, a: TemporalAttempt): string {
  const key = s.connectionOptions().apiKey;
  const text = `${a.code !== undefined && !a.message.includes(String(a.code)) ? `${a.code}: ` : ''}${a.message}`.slice(0, 300);
  // A key that short would also cut ordinary words out of the message; real keys are far longer.
  return key && key.length >= 8 ? text.split(key).join('<API key>') : text;
}

export function explainTemporalFailure(d: TemporalDiagnosis, s: TemporalSettings, a: TemporalAttempt): Error {
  const message = SENTENCES[d.reason](s, detail(s, a));
  if (d.kind === 'unreachable') return new TemporalUnreachableError(message);
  return new TemporalSettingError(message, d.reason, s.from[d.setting]);
}
