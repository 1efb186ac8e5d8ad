// Opens the connection to Temporal for the worker (NativeConnection), the CLI and the admin API
// (Connection), after checking it end to end: the host resolves, the port answers, the TLS
// handshake passes, the server accepts the credentials and the namespace exists. A failure
// stops start-up with a message that names the setting to fix (policy/common/temporal-connection.ts
// decides which); it never holds the API key or a key file's contents.
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { diagnoseTemporalFailure, type TemporalAttempt, type TemporalStage } from '../policy/common/temporal-connection';
import { explainTemporalFailure, TemporalUnreachableError } from './temporal-errors';
import { resolveHost, tcpProbe, tlsProbe, type ProbeFailure } from './temporal-probe';
import type { TemporalSettings } from './temporal-settings';

export { TemporalSettingError, TemporalUnreachableError } from './temporal-errors';

interface WorkflowServiceLike {
  getSystemInfo(request: object): Promise<unknown>;
  describeNamespace(request: { namespace: string }): Promise<unknown>;
}

type Failure = Omit<ProbeFailure, 'code'> & { code?: string | number };

function attempt(s: TemporalSettings, stage: TemporalStage, failure: Failure): TemporalAttempt {
  return {
    stage,
    code: failure.code,
    message: failure.message,
    tls: s.tls,
    serverCa: s.serverCa,
    clientCert: s.clientCert,
    apiKey: s.apiKey,
  };
}

function fail(s: TemporalSettings, a: TemporalAttempt): never {
  throw explainTemporalFailure(diagnoseTemporalFailure(a), s, a);
}

/** The error's words, with the gRPC status of its cause when the SDK wrapped one. */
function sdkFailure(error: unknown): Failure {
  const e = error as { message?: string; code?: number | string; cause?: { message?: string; code?: number } };
  const cause = e.cause?.message ? ` (${e.cause.message.split('\n')[0]})` : '';
  return { code: e.cause?.code ?? e.code, message: `${String(e.message ?? error).split('\n')[0]}${cause}` };
}

/** DNS, TCP and, with TLS on, the handshake: each failure is told apart before the SDK hides it behind a deadline. */
async function probe(s: TemporalSettings, timeoutMs: number): Promise<void> {
  const resolved = await resolveHost(s.host);
  if (resolved) fail(s, attempt(s, 'resolve', resolved));
  const tcp = await tcpProbe(s.host, s.port, timeoutMs);
  if (tcp) fail(s, attempt(s, 'tcp', tcp));
  const tlsConfig = s.connectionOptions().tls;
  if (tlsConfig) {
    const handshake = await tlsProbe(s.host, s.port, { config: tlsConfig, verify: true }, timeoutMs);
    if (handshake) fail(s, attempt(s, 'tls', handshake));
  }
}

/** The first calls any client makes; a failure is diagnosed with what the server said. */
async function checkServer(s: TemporalSettings, service: WorkflowServiceLike, timeoutMs: number): Promise<void> {
  try {
    await service.getSystemInfo({});
  } catch (error) {
    const a = attempt(s, 'rpc', sdkFailure(error));
    // With TLS off, a server that fails every call may simply require TLS: ask it.
    if (!s.tls) a.serverSpeaksTls = !(await tlsProbe(s.host, s.port, { config: true, verify: false }, timeoutMs));
    fail(s, a);
  }
  try {
    await service.describeNamespace({ namespace: s.namespace });
  } catch (error) {
    fail(s, attempt(s, 'namespace', sdkFailure(error)));
  }
}

async function afterConnectFailure(s: TemporalSettings, error: unknown, timeoutMs: number): Promise<never> {
  if (error instanceof TemporalUnreachableError || (error as Error).name === 'TemporalSettingError') throw error;
  const a = attempt(s, 'rpc', sdkFailure(error));
  if (!s.tls) a.serverSpeaksTls = !(await tlsProbe(s.host, s.port, { config: true, verify: false }, timeoutMs));
  fail(s, a);
}

/** A client connection (grpc-js) for the CLI, the admin API and the worker's own client calls, checked end to end. */
export async function connectTemporalClient(s: TemporalSettings, timeoutMs = 10_000): Promise<Connection> {
  await probe(s, timeoutMs);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...s.connectionOptions(), connectTimeout: timeoutMs });
    await checkServer(s, connection.workflowService, timeoutMs);
    return connection;
  } catch (error) {
    await connection?.close().catch(() => undefined);
    return afterConnectFailure(s, error, timeoutMs);
  }
}

/** The worker's native connection, checked end to end. */
export async function connectTemporalNative(s: TemporalSettings, timeoutMs = 10_000): Promise<NativeConnection> {
  await probe(s, timeoutMs);
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect(s.connectionOptions());
    await checkServer(s, connection.workflowService, timeoutMs);
    return connection;
  } catch (error) {
    await connection?.close().catch(() => undefined);
    return afterConnectFailure(s, error, timeoutMs);
  }
}
