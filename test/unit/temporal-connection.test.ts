// Which setting a failed Temporal connection points at. The error texts are the ones Node's TLS,
// grpc-js (the CLI and the admin API) and the worker's Rust core really gave against the test
// proxy (test/integration/temporal-tls.test.ts), so a change in their wording shows up here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseTemporalFailure, type TemporalAttempt } from '../../policy/common/temporal-connection';

const MTLS = { tls: true, serverCa: true, clientCert: true, apiKey: true };
const NATIVE_400 =
  'Failed to call GetSystemInfo: code: \'Internal error\', message: "protocol error: received message with invalid compression flag: 60 (valid flags are 0 and 1) while receiving response with status: 400 Bad Request"';

const cases: Array<[string, TemporalAttempt, string, string, string?]> = [
  [
    'a name that does not resolve',
    { ...MTLS, stage: 'resolve', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND temporal.invalid' },
    'host-not-found',
    'address',
    'setting',
  ],
  [
    'a DNS server that does not answer',
    { ...MTLS, stage: 'resolve', code: 'ECONNREFUSED', message: 'queryA ECONNREFUSED' },
    'unreachable',
    'address',
    'unreachable',
  ],
  [
    'a closed port',
    { ...MTLS, stage: 'tcp', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:7299' },
    'unreachable',
    'address',
    'unreachable',
  ],
  [
    'a wrong CA (Node)',
    { ...MTLS, stage: 'tls', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
    'server-ca-rejected',
    'serverCa',
  ],
  [
    'a self-signed server (Node)',
    { ...MTLS, stage: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' },
    'server-ca-rejected',
    'serverCa',
  ],
  [
    'a wrong CA (Rust core)',
    {
      ...MTLS,
      stage: 'rpc',
      message: 'tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))',
    },
    'server-ca-rejected',
    'serverCa',
  ],
  [
    'a name the certificate does not hold (Node)',
    { ...MTLS, stage: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
    'server-name-mismatch',
    'serverName',
  ],
  [
    'a name the certificate does not hold (Rust core)',
    { ...MTLS, stage: 'rpc', message: 'InvalidCertificate(NotValidForNameContext { expected: DnsName("x") })' },
    'server-name-mismatch',
    'serverName',
  ],
  [
    'an expired server certificate',
    { ...MTLS, stage: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' },
    'server-cert-expired',
    'serverCa',
  ],
  [
    'TLS against a plaintext server (Node)',
    { ...MTLS, stage: 'tls', code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'ssl3_get_record:wrong version number' },
    'server-not-tls',
    'tls',
  ],
  [
    'TLS against a plaintext server (Rust core)',
    { ...MTLS, stage: 'rpc', message: 'ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) })' },
    'server-not-tls',
    'tls',
  ],
  [
    'no client certificate, nginx answering 400 (grpc-js)',
    {
      ...MTLS,
      clientCert: false,
      stage: 'rpc',
      code: 13,
      message: 'Failed to connect to Temporal server (13 INTERNAL: Received HTTP status code 400)',
    },
    'client-cert-required',
    'clientCert',
  ],
  [
    'no client certificate, nginx answering 400 (Rust core)',
    { ...MTLS, clientCert: false, stage: 'rpc', message: NATIVE_400 },
    'client-cert-required',
    'clientCert',
  ],
  [
    'no client certificate, a TLS 1.3 alert',
    {
      ...MTLS,
      clientCert: false,
      stage: 'tls',
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      message: 'tlsv13 alert certificate required',
    },
    'client-cert-required',
    'clientCert',
  ],
  [
    'a client certificate from another CA (nginx 400)',
    { ...MTLS, stage: 'rpc', message: NATIVE_400 },
    'client-cert-rejected',
    'clientCert',
  ],
  [
    'a client certificate from another CA (TLS alert)',
    { ...MTLS, stage: 'tls', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'tlsv1 alert unknown ca' },
    'client-cert-rejected',
    'clientCert',
  ],
  [
    'a wrong API key (grpc-js)',
    { ...MTLS, stage: 'rpc', code: 16, message: 'Failed to connect to Temporal server (16 UNAUTHENTICATED: missing or wrong API key)' },
    'api-key-rejected',
    'apiKey',
  ],
  [
    'a wrong API key (Rust core)',
    {
      ...MTLS,
      stage: 'rpc',
      message: 'code: \'The request does not have valid authentication credentials\', message: "missing or wrong API key"',
    },
    'api-key-rejected',
    'apiKey',
  ],
  [
    'no API key where one is required',
    { ...MTLS, apiKey: false, stage: 'rpc', code: 16, message: '16 UNAUTHENTICATED: missing or wrong API key' },
    'credentials-required',
    'apiKey',
  ],
  [
    'an API key with TLS off, the server speaking TLS',
    {
      ...MTLS,
      tls: false,
      serverCa: false,
      clientCert: false,
      stage: 'rpc',
      message: 'Failed to connect before the deadline',
      serverSpeaksTls: true,
    },
    'api-key-without-tls',
    'tls',
  ],
  [
    'TLS off, the server speaking TLS, no key',
    { tls: false, serverCa: false, clientCert: false, apiKey: false, stage: 'rpc', message: 'h2 protocol error', serverSpeaksTls: true },
    'tls-required',
    'tls',
  ],
  [
    'a namespace that does not exist',
    { ...MTLS, stage: 'namespace', code: 5, message: '5 NOT_FOUND: Namespace nope is not found.' },
    'namespace-not-found',
    'namespace',
  ],
  [
    'a namespace the key may not use',
    { ...MTLS, stage: 'namespace', code: 7, message: '7 PERMISSION_DENIED: Request unauthorized.' },
    'permission-denied',
    'namespace',
  ],
  [
    'anything else',
    {
      tls: false,
      serverCa: false,
      clientCert: false,
      apiKey: false,
      stage: 'rpc',
      message: 'Failed to connect before the deadline',
      serverSpeaksTls: false,
    },
    'unknown',
    'address',
    'unreachable',
  ],
];

describe('a failed Temporal connection is put down to one setting', () => {
  for (const [name, attempt, reason, setting, kind = 'setting'] of cases)
    it(`${name}: ${reason}, look at ${setting}`, () => {
      assert.deepEqual(diagnoseTemporalFailure(attempt), { reason, setting, kind });
    });
});
