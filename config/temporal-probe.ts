// The network checks that come before the Temporal SDK opens its connection, so that a failure
// can be told apart (the SDK's own errors often say only "failed to connect before the
// deadline"): does the host resolve, does the port answer, does the TLS handshake pass with
// the configured CA, name and client certificate. They send nothing but a DNS lookup, a TCP
// connection and a TLS handshake to the configured address.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

export interface ProbeFailure {
  code?: string;
  message: string;
}

function failure(error: unknown): ProbeFailure {
  const e = error as NodeJS.ErrnoException;
  return { code: e.code, message: String(e.message ?? error).split('\n')[0] };
}

/** Resolves `host` (an address needs nothing). Names under .invalid never resolve (RFC 6761), so they are refused without a query. */
export async function resolveHost(host: string): Promise<ProbeFailure | undefined> {
  if (net.isIP(host)) return undefined;
  if (/(^|\.)invalid\.?$/i.test(host))
    return { code: 'ENOTFOUND', message: `getaddrinfo ENOTFOUND ${host} (the .invalid domain never resolves)` };
  return lookup(host).then(
    () => undefined,
    (error: unknown) => failure(error),
  );
}

/** Opens and closes one TCP connection. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeFailure | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ code: 'ETIMEDOUT', message: `no answer within ${timeoutMs} ms` });
    });
    socket.once('error', (error) => resolve(failure(error)));
  });
}

export interface TlsProbeOptions {
  config: TLSConfig | true;
  /** false: only ask whether the server speaks TLS at all. */
  verify: boolean;
}

/**
 * One TLS handshake as the SDK would make it. After it, the probe waits a moment: a server
 * that requires a client certificate under TLS 1.3 says so in an alert after the handshake.
 */
export function tlsProbe(host: string, port: number, options: TlsProbeOptions, timeoutMs: number): Promise<ProbeFailure | undefined> {
  const config = options.config === true ? {} : options.config;
  const servername = config.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername,
      ca: config.serverRootCACertificate ? Buffer.from(config.serverRootCACertificate) : undefined,
      cert: config.clientCertPair ? Buffer.from(config.clientCertPair.crt) : undefined,
      key: config.clientCertPair ? Buffer.from(config.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: options.verify,
      timeout: timeoutMs,
    });
    const done = (result: ProbeFailure | undefined) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 300));
    socket.once('timeout', () => done({ code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs} ms` }));
    socket.once('error', (error) => done(failure(error)));
  });
}
