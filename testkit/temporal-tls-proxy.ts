// A TLS-terminating gRPC proxy in front of the test stack's Temporal dev server, as a
// production Temporal looks from a client: nginx (`grpc_pass`) on 127.0.0.1, a server
// certificate from a CA of the test's own, `ssl_verify_client on` against a second CA for
// client certificates, and an API key checked on every call (anything but
// `authorization: Bearer <key>` gets the gRPC status 16 Unauthenticated). The certificates
// are made with openssl in a fresh folder; stop() ends nginx and removes the folder.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsFiles {
  /** The CA that signed the proxy's certificate (for localhost and 127.0.0.1). */
  serverCa: string;
  /** A CA that signed nothing the proxy holds: the wrong CA. */
  otherCa: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate and key signed by the wrong CA. */
  strangerCert: string;
  strangerKey: string;
}

export interface TlsProxy {
  /** host:port of the proxy. */
  address: string;
  port: number;
  /** The API key the proxy accepts. */
  apiKey: string;
  files: TlsFiles;
  dir: string;
  /** The proxy's error log so far (it never holds the key: the access log is off). */
  errorLog(): string;
  stop(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=Jarvis test ${name}`,
    ]),
  );
}

async function signedCert(dir: string, name: string, ca: string, extensions: string): Promise<void> {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(
    dir,
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? 'localhost' : `jarvis-${name}`}`,
    ]),
  );
  await openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2'].concat([
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]),
  );
}

/** Every certificate the tests use, in `dir`. */
export async function makeCertificates(dir: string): Promise<TlsFiles> {
  for (const ca of ['server-ca', 'client-ca', 'other-ca']) await selfSignedCa(dir, ca);
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n';
  await signedCert(dir, 'server', 'server-ca', `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  await signedCert(dir, 'client', 'client-ca', `${leaf}extendedKeyUsage=clientAuth\n`);
  await signedCert(dir, 'stranger', 'other-ca', `${leaf}extendedKeyUsage=clientAuth\n`);
  const at = (file: string) => path.join(dir, file);
  return {
    serverCa: at('server-ca.pem'),
    otherCa: at('other-ca.pem'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.pem'),
    strangerKey: at('stranger.key'),
  };
}

function nginxConfig(dir: string, port: number, upstream: string, apiKey: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`).join('\n');
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  map_hash_bucket_size 128;
${temp}
  map $http_authorization $api_key_ok { "Bearer ${apiKey}" 1; default 0; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/client-ca.pem;
    ssl_verify_client on;
    # Temporal's long polls last about a minute: longer than nginx's 60 s default.
    grpc_read_timeout 600s;
    grpc_send_timeout 600s;
    error_page 418 = @unauthenticated;
    location / {
      if ($api_key_ok = 0) { return 418; }
      grpc_pass grpc://${upstream};
    }
    location @unauthenticated {
      default_type application/grpc;
      add_header grpc-status 16 always;
      add_header grpc-message "missing or wrong API key" always;
      return 204;
    }
  }
}
`;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      socket.unref();
      setTimeout(() => resolve(false), 500).unref();
    }).catch(() => false);
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}

/** Starts the proxy on 127.0.0.1:`port` in front of `upstream` (host:port of the dev server). */
export async function startTlsProxy(port: number, upstream: string, nginxBin = '/usr/sbin/nginx'): Promise<TlsProxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-tls-proxy-'));
  mkdirSync(path.join(dir, 'tmp'));
  const files = await makeCertificates(dir);
  const apiKey = `jarvis-test-key-${randomBytes(16).toString('hex')}`;
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, port, upstream, apiKey), { mode: 0o600 });
  const child = spawn(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const readLog = (): string => {
    try {
      return readFileSync(path.join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  await waitForPort(port, child, () => stderr + readLog());
  return {
    address: `127.0.0.1:${port}`,
    port,
    apiKey,
    files,
    dir,
    errorLog: readLog,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGQUIT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
