// Where the test stack's services are, and clients for them. The test command
// (test/run-all.sh) has started the services; each test starts its own worker.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import { connectTemporalClient } from '../config/temporal-connect';
import { readWorkerConfig, type WorkerConfig } from '../config/worker-config';
import { temporalAddress } from './ports';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const stateDir = process.env.JARVIS_STATE_DIR ?? path.join(repoRoot, '.state-test');

/** The configuration a worker in this test run uses, with per-test overrides. */
export function testWorkerConfig(overrides: Record<string, string> = {}): WorkerConfig {
  return readWorkerConfig({
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    JARVIS_STATE_DIR: stateDir,
    WORKER_METRICS_PORT: '0',
    ...overrides,
  });
}

/** The stack's secrets, read from the state folder the way the services got them. */
export function stackSecrets(): Record<string, string> {
  const text = readFileSync(path.join(stateDir, 'secrets.env'), 'utf8');
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}

export async function temporalClient(): Promise<{ client: Client; connection: Connection }> {
  const config = testWorkerConfig();
  const connection = await connectTemporalClient(config.temporal);
  return { client: new Client({ connection, namespace: config.namespace }), connection };
}

/** A task queue of its own for each test, named after it. */
export function taskQueueFor(testName: string): string {
  return `test-${testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)}-${process.pid}`;
}
