// HAProxy's runtime API over its stats socket: the only way the control plane changes a
// running HAProxy, so no change reloads it and no client connection is closed by one.
import net from 'node:net';
import { FailureType, permanentFailure } from '../common/errors';
import { desiredServers, parseServersState, planRuntimeCommands, runtimeMismatches, type HeldServer } from './haproxy-config';
import type { UpstreamMember, UpstreamRouting } from './nginx-config';

const SOCKET_TIMEOUT_MS = 5_000;

/** Sends one command on its own connection (HAProxy answers and closes) and returns the answer. */
export function runtimeCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.createConnection(socket);
    conn.setTimeout(SOCKET_TIMEOUT_MS, () =>
      conn.destroy(new Error(`HAProxy's runtime API at ${socket} did not answer "${command}" in time`)),
    );
    conn.on('connect', () => conn.end(`${command}\n`));
    conn.on('data', (chunk) => chunks.push(chunk));
    conn.on('error', reject);
    conn.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function heldServers(socket: string, backend: string): Promise<HeldServer[]> {
  const answer = await runtimeCommand(socket, `show servers state ${backend}`);
  if (/Can't find backend/i.test(answer)) {
    throw permanentFailure(FailureType.LoadBalancerConfigInvalid, `HAProxy has no backend ${backend}: ${answer.trim()}`);
  }
  return parseServersState(answer);
}

/** A command HAProxy refused, except a deletion it postpones because the server still has connections. */
function refused(command: string, answer: string): boolean {
  const text = answer.trim();
  if (!text) return false;
  if (command.startsWith('del server')) return !/Server deleted|still has connections|No such server/i.test(text);
  if (command.startsWith('add server')) return !/New server registered/i.test(text);
  return true; // set weight / set server answer nothing when they succeed
}

/**
 * Takes the running HAProxy's backend to the members and routing given, then reads it back
 * and fails when it does not hold them. Every step reads state first, so a retry is safe.
 */
export async function syncHaproxyBackend(
  socket: string,
  service: string,
  members: readonly UpstreamMember[],
  routing: UpstreamRouting | undefined,
): Promise<{ commands: string[] }> {
  const want = desiredServers(members, routing);
  const commands = planRuntimeCommands(service, want, await heldServers(socket, service));
  for (const command of commands) {
    const answer = await runtimeCommand(socket, command);
    if (refused(command, answer)) {
      throw permanentFailure(FailureType.LoadBalancerConfigInvalid, `HAProxy refused "${command}": ${answer.trim()}`);
    }
  }
  const problems = runtimeMismatches(want, await heldServers(socket, service));
  if (problems.length) throw new Error(`HAProxy's ${service} backend did not take the change: ${problems.join('; ')}`);
  return { commands };
}
