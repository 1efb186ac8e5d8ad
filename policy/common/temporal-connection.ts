// Why a connection to Temporal failed at start, and which setting to fix: a pure decision from
// what was configured and what failed (the stage and the error's code or text, as Node's TLS,
// grpc-js and the worker's Rust core each word it). Table-tested in test/unit/temporal-connection.test.ts.

export type TemporalStage = 'resolve' | 'tcp' | 'tls' | 'rpc' | 'namespace';

export interface TemporalAttempt {
  stage: TemporalStage;
  /** An error code when there is one: ENOTFOUND, ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, a gRPC status number… */
  code?: string | number;
  message: string;
  tls: boolean;
  serverCa: boolean;
  clientCert: boolean;
  apiKey: boolean;
  /** With TLS off: whether the server answered a TLS handshake (probed after a failure). */
  serverSpeaksTls?: boolean;
}

export type TemporalFailureReason =
  | 'host-not-found'
  | 'unreachable'
  | 'server-ca-rejected'
  | 'server-name-mismatch'
  | 'server-cert-expired'
  | 'server-not-tls'
  | 'tls-required'
  | 'api-key-without-tls'
  | 'client-cert-required'
  | 'client-cert-rejected'
  | 'api-key-rejected'
  | 'credentials-required'
  | 'permission-denied'
  | 'namespace-not-found'
  | 'unknown';

/** The setting a reader must look at, by its role (config/temporal-settings.ts names the variable or profile key). */
export type TemporalSettingRole = 'address' | 'namespace' | 'apiKey' | 'tls' | 'serverCa' | 'clientCert' | 'serverName';

export interface TemporalDiagnosis {
  reason: TemporalFailureReason;
  setting: TemporalSettingRole;
  /** A setting is wrong (exit 2), or the server is simply not there (unreachable: exit 1, or 3 in the CLI). */
  kind: 'setting' | 'unreachable';
}

const CA_CODES =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_SIGNATURE_FAILURE|UnknownIssuer|BadSignature/;
const NAME_CODES = /ERR_TLS_CERT_ALTNAME_INVALID|NotValidForName|Hostname\/IP does not match/;
const EXPIRED_CODES = /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|\bExpired\b|NotValidYet/;
const NOT_TLS =
  /wrong version number|packet length too long|unknown protocol|InvalidContentType|CorruptMessage|record layer failure|ERR_SSL_WRONG_VERSION_NUMBER/i;
const CERT_REQUIRED = /certificate required|alert number 116|CertificateRequired|No required SSL certificate/i;
const CERT_REFUSED = /bad certificate|unknown ca|alert number 4[2-9]|BadCertificate|UnknownCA|SSL certificate error/i;
const HTTP_400 = /HTTP status code 400|status: 400 Bad Request|400 Bad Request/;
const UNAUTHENTICATED = /\b16 UNAUTHENTICATED|does not have valid authentication credentials|Unauthenticated/i;
const PERMISSION = /\b7 PERMISSION_DENIED|PermissionDenied|permission denied/i;
const NOT_FOUND = /\b5 NOT_FOUND|NotFound|not found/i;

const is = (a: TemporalAttempt, code: number | string, text: RegExp) => a.code === code || text.test(`${a.code ?? ''} ${a.message}`);

function tlsFailure(a: TemporalAttempt): TemporalDiagnosis | undefined {
  const text = `${a.code ?? ''} ${a.message}`;
  if (!a.tls) {
    if (!a.serverSpeaksTls) return undefined;
    return a.apiKey
      ? { reason: 'api-key-without-tls', setting: 'tls', kind: 'setting' }
      : { reason: 'tls-required', setting: 'tls', kind: 'setting' };
  }
  if (NAME_CODES.test(text)) return { reason: 'server-name-mismatch', setting: 'serverName', kind: 'setting' };
  if (EXPIRED_CODES.test(text)) return { reason: 'server-cert-expired', setting: 'serverCa', kind: 'setting' };
  if (CA_CODES.test(text)) return { reason: 'server-ca-rejected', setting: 'serverCa', kind: 'setting' };
  if (NOT_TLS.test(text)) return { reason: 'server-not-tls', setting: 'tls', kind: 'setting' };
  if (CERT_REQUIRED.test(text) || (!a.clientCert && HTTP_400.test(text)))
    return { reason: 'client-cert-required', setting: 'clientCert', kind: 'setting' };
  if (CERT_REFUSED.test(text) || (a.clientCert && HTTP_400.test(text)))
    return { reason: 'client-cert-rejected', setting: 'clientCert', kind: 'setting' };
  return undefined;
}

/** What went wrong, from the first stage that failed. */
export function diagnoseTemporalFailure(a: TemporalAttempt): TemporalDiagnosis {
  if (a.stage === 'resolve') {
    const gone = a.code === 'ENOTFOUND' || a.code === 'EAI_NONAME' || a.code === 'EAI_AGAIN' || a.code === 'ENODATA';
    return { reason: gone ? 'host-not-found' : 'unreachable', setting: 'address', kind: gone ? 'setting' : 'unreachable' };
  }
  const tls = tlsFailure(a);
  if (tls) return tls;
  if (a.stage === 'tcp') return { reason: 'unreachable', setting: 'address', kind: 'unreachable' };
  if (is(a, 16, UNAUTHENTICATED))
    return a.apiKey
      ? { reason: 'api-key-rejected', setting: 'apiKey', kind: 'setting' }
      : { reason: 'credentials-required', setting: 'apiKey', kind: 'setting' };
  if (is(a, 7, PERMISSION))
    return { reason: 'permission-denied', setting: a.stage === 'namespace' ? 'namespace' : 'apiKey', kind: 'setting' };
  if (a.stage === 'namespace' && is(a, 5, NOT_FOUND)) return { reason: 'namespace-not-found', setting: 'namespace', kind: 'setting' };
  return { reason: 'unknown', setting: 'address', kind: 'unreachable' };
}
