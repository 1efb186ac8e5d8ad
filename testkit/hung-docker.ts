// A Docker socket that accepts connections and never answers, like a dockerd stuck on a
// lock. A worker pointed at it stops deterministically in its first orchestrator call,
// so a crash test can kill it exactly there.
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface HungSocket {
  path: string;
  close: () => Promise<void>;
}

export async function startHungDockerSocket(dir: string): Promise<HungSocket> {
  const socketPath = path.join(dir, `hung-docker-${process.pid}.sock`);
  rmSync(socketPath, { force: true });
  const held = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    path: socketPath,
    close: async () => {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}
