import { connectTemporalClient, connectTemporalNative } from '../config/temporal-connect';
import { readTemporalSettings } from '../config/temporal-settings';
import { startTlsProxy } from './temporal-tls-proxy';

(async () => {
  const p = await startTlsProxy(17334, '127.0.0.1:17333');
  const f = p.files;
  const good = { TEMPORAL_ADDRESS: p.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.serverCa, TEMPORAL_TLS_CLIENT_CERT_PATH: f.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: f.clientKey, TEMPORAL_TLS_SERVER_NAME: 'localhost', TEMPORAL_API_KEY: p.apiKey };
  const cases: Record<string, Record<string, string | undefined>> = {
    good,
    wrongCa: { ...good, TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.otherCa },
    noCa: { ...good, TEMPORAL_TLS_SERVER_CA_CERT_PATH: undefined },
    noClientCert: { ...good, TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined },
    strangerCert: { ...good, TEMPORAL_TLS_CLIENT_CERT_PATH: f.strangerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: f.strangerKey },
    wrongKey: { ...good, TEMPORAL_API_KEY: 'wrong' },
    noKey: { ...good, TEMPORAL_API_KEY: undefined },
    keyTlsOff: { TEMPORAL_ADDRESS: p.address, TEMPORAL_API_KEY: p.apiKey, TEMPORAL_TLS: 'false' },
    nameMismatch: { ...good, TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' },
    keyToPlain: { TEMPORAL_ADDRESS: '127.0.0.1:17333', TEMPORAL_API_KEY: 'x' },
    refused: { TEMPORAL_ADDRESS: '127.0.0.1:17399' },
    noNs: { ...good, TEMPORAL_NAMESPACE: 'nope' },
    invalidHost: { TEMPORAL_ADDRESS: 'temporal.invalid:7233' },
    noPort: { TEMPORAL_ADDRESS: 'temporal.example.com' },
    missingFile: { ...good, TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nope/ca.pem' },
  };
  try {
    for (const [name, env] of Object.entries(cases)) {
      for (const kind of ['client', 'native']) {
        const t0 = Date.now();
        try {
          const s = readTemporalSettings(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
          const c = kind === 'client' ? await connectTemporalClient(s) : await connectTemporalNative(s);
          await c.close();
          console.log(`${name} [${kind}] OK ${s.summary}`);
        } catch (e: any) {
          console.log(`${name} [${kind}] ${e.name} (${Date.now() - t0} ms): ${e.message}`);
        }
      }
    }
  } finally {
    await p.stop();
  }
})();
