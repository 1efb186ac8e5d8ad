// Temporal's connection as the control plane reads it: @temporalio/envconfig's variables and
// TOML profiles, and each bad value stopped with a message that names the variable or the
// profile key (never the API key or a key file's contents). No connection is opened here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../config/config-error';
import { parseTemporalAddress } from '../../config/temporal-address';
import { readTemporalSettings } from '../../config/temporal-settings';
import { readWorkerConfig } from '../../config/worker-config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-temporal-settings-'));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n';
const ca = file('ca.pem', PEM);
const cert = file('client.pem', PEM);
const key = file('client.key', KEY);
const notPem = file('notes.txt', 'not a certificate');
const API_KEY = 'api-key-0123456789-abcdef';
const toml = file(
  'temporal.toml',
  `[profile.default]
address = "temporal.default.example:7233"

[profile.prod]
address = "prod.tmprl.example:7233"
namespace = "jarvis.prod"
api_key = "${API_KEY}"

[profile.prod.tls]
server_ca_cert_path = "${ca}"
client_cert_path = "${cert}"
client_key_path = "${key}"
server_name = "prod.tmprl.example"

[profile.broken.tls]
client_cert_path = "${path.join(dir, 'gone.pem')}"
client_key_path = "${key}"
`,
);

after(() => rmSync(dir, { recursive: true, force: true }));

describe('TEMPORAL_ADDRESS takes any host:port', () => {
  const accepted: Array<[string, string, number]> = [
    ['127.0.0.1:7233', '127.0.0.1', 7233],
    ['temporal.example.com:7233', 'temporal.example.com', 7233],
    ['my-ns.a1b2c.tmprl.cloud:7233', 'my-ns.a1b2c.tmprl.cloud', 7233],
    ['203.0.113.9:443', '203.0.113.9', 443],
    ['[::1]:7233', '::1', 7233],
    ['temporal-frontend:7233', 'temporal-frontend', 7233],
  ];
  for (const [value, host, port] of accepted) it(`accepts ${value}`, () => assert.deepEqual(parseTemporalAddress(value), { host, port }));

  const rejected: Array<[string, RegExp]> = [
    ['temporal.example.com', /has no port/],
    ['temporal.example.com:', /has no port/],
    ['temporal.example.com:70000', /port that is not a number from 1 to 65535/],
    ['temporal.example.com:http', /port that is not a number/],
    ['http://temporal.example.com:7233', /without a scheme/],
    ['::1:7233', /IPv6 address goes in brackets/],
    ['bad host:7233', /no valid host/],
    ['-bad.example:7233', /no valid host/],
    [':7233', /no valid host/],
  ];
  for (const [value, problem] of rejected)
    it(`refuses ${JSON.stringify(value)}`, () => {
      const parsed = parseTemporalAddress(value);
      assert.ok('problem' in parsed && problem.test(parsed.problem), JSON.stringify(parsed));
    });
});

describe('the Temporal connection from the environment', () => {
  it('defaults to the local dev server without TLS, namespace default', () => {
    const s = readTemporalSettings({});
    assert.deepEqual([s.address, s.namespace, s.tls, s.apiKey], ['127.0.0.1:7233', 'default', false, false]);
    assert.equal(s.connectionOptions().tls, undefined);
  });

  it('turns TLS on for an API key, and TEMPORAL_TLS=false turns it off again', () => {
    const on = readTemporalSettings({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_API_KEY: API_KEY });
    assert.deepEqual([on.tls, on.apiKey, on.connectionOptions().apiKey], [true, true, API_KEY]);
    const off = readTemporalSettings({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' });
    assert.deepEqual([off.tls, off.connectionOptions().tls], [false, false]);
  });

  it('reads the mTLS files and the server name from the variables', () => {
    const s = readTemporalSettings({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    assert.deepEqual([s.tls, s.serverCa, s.clientCert], [true, true, true]);
    const tls = s.connectionOptions().tls as { serverNameOverride: string; clientCertPair: { key: Uint8Array } };
    assert.equal(tls.serverNameOverride, 'localhost');
    assert.match(Buffer.from(tls.clientCertPair.key).toString(), /secret-key-material/);
  });

  it('takes a TOML profile, and a variable wins over the profile', () => {
    const s = readTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'jarvis.staging' });
    assert.deepEqual(
      [s.address, s.namespace, s.tls, s.clientCert, s.apiKey],
      ['prod.tmprl.example:7233', 'jarvis.staging', true, true, true],
    );
    assert.equal(s.from.address, `address in the profile "prod" of ${toml}`);
    assert.equal(s.from.namespace, 'TEMPORAL_NAMESPACE');
    assert.equal(readTemporalSettings({ TEMPORAL_CONFIG_FILE: toml }).address, 'temporal.default.example:7233');
  });

  it('treats an empty variable as unset, as a compose file writes KEY=', () => {
    const s = readTemporalSettings({ TEMPORAL_API_KEY: '', TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '' });
    assert.deepEqual([s.address, s.namespace, s.apiKey, s.tls], ['127.0.0.1:7233', 'default', false, false]);
  });

  it('never puts the API key or the key file in what it shows', () => {
    const s = readTemporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' });
    const shown = `${s.summary} ${JSON.stringify(s)} ${JSON.stringify(readWorkerConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' }))}`;
    assert.doesNotMatch(shown, new RegExp(API_KEY));
    assert.doesNotMatch(shown, /secret-key-material/);
    assert.match(s.summary, /prod\.tmprl\.example:7233, namespace jarvis\.prod, TLS \(own CA\) with a client certificate, API key/);
  });

  const rejected: Array<[string, Record<string, string>, RegExp]> = [
    ['an address without a port', { TEMPORAL_ADDRESS: 'temporal.example.com' }, /TEMPORAL_ADDRESS has no port/],
    [
      'an address with a scheme',
      { TEMPORAL_ADDRESS: 'https://temporal.example.com:7233' },
      /TEMPORAL_ADDRESS must be host:port without a scheme/,
    ],
    ['a namespace with a space', { TEMPORAL_NAMESPACE: 'my namespace' }, /TEMPORAL_NAMESPACE must be a namespace name/],
    [
      'a missing CA file',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'gone.pem') },
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH names ".*gone\.pem", which cannot be read \(ENOENT\)/,
    ],
    [
      'an unreadable client certificate (a folder)',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: dir, TEMPORAL_TLS_CLIENT_KEY_PATH: key },
      /TEMPORAL_TLS_CLIENT_CERT_PATH names .* cannot be read \(EISDIR\)/,
    ],
    [
      'a key file that is not PEM',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: notPem },
      /TEMPORAL_TLS_CLIENT_KEY_PATH names .*notes\.txt", which is not a PEM file/,
    ],
    [
      'a certificate without its key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: cert },
      /TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not/,
    ],
    [
      'a key without its certificate',
      { TEMPORAL_TLS_CLIENT_KEY_PATH: key },
      /TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not/,
    ],
    [
      'a config file that is not there',
      { TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml') },
      /TEMPORAL_CONFIG_FILE names ".*none\.toml", which cannot be read \(ENOENT\)/,
    ],
    ['a config file that is not TOML', { TEMPORAL_CONFIG_FILE: notPem }, /TEMPORAL_CONFIG_FILE \(.*notes\.txt\) cannot be used/],
    [
      'a profile the file does not hold',
      { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' },
      /TEMPORAL_PROFILE names the profile "staging", which .*temporal\.toml does not hold/,
    ],
    [
      'a missing file named by a profile',
      { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'broken' },
      /tls\.client_cert_path in the profile "broken" of .*temporal\.toml names ".*gone\.pem", which cannot be read/,
    ],
  ];
  for (const [name, env, message] of rejected)
    it(`refuses ${name}, naming the setting`, () => {
      assert.throws(
        () => readTemporalSettings(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('secret-key-material'),
      );
    });
});
