// Jarvis Scale as a side: the stack's three servers, the long-running pgMonitor (at its
// defaults) that starts pgFailover, served by an in-process worker on the bench's own task
// queue. Where to write is what our routing publishes: the topology file (the same JSON the
// app's pools get through Redis).
import type { Client } from '@temporalio/client';
import path from 'node:path';
import { readTopologyFile } from '../../activities/postgres/pg-topology-file';
import { PG_HA_DEFAULTS } from '../../policy/postgres/pg-input';
import { pgWorkerEnv, primeMonitor, waitClusterHealthy } from '../../testkit/pg-cluster';
import { runPgMonitorOn, stopPgMonitor } from '../../testkit/pg-monitor';
import { ports } from '../../testkit/ports';
import { stackSecrets, stateDir, taskQueueFor, temporalClient } from '../../testkit/stack';
import { withWorker } from '../../testkit/workers';
import type { Login, ServerRef } from '../pg-writer';
import { killNode, killPostmaster } from './processes';
import { pollUntil, type KillKind, type SettingRecord, type Side } from './side';

const DOC = 'docs/postgres.md (the monitor) and policy/postgres/pg-input.ts (PG_HA_DEFAULTS)';

export class OursSide implements Side {
  readonly name = 'ours';
  readonly servers: ServerRef[] = [
    { name: 'primary', port: ports.pgPrimary },
    { name: 'replica1', port: ports.pgReplica1 },
    { name: 'replica2', port: ports.pgReplica2 },
  ];
  readonly login: Login = { user: 'jarvis', password: stackSecrets().PG_APP_PASSWORD, database: 'jarvis' };
  private readonly taskQueue = taskQueueFor('bench pg failover peers');
  private client?: Client;

  settings(): Record<string, SettingRecord> {
    const d = PG_HA_DEFAULTS;
    return {
      monitor: { value: 'pg-monitor/main, long-running, started with no input (its defaults)', source: DOC },
      probeIntervalMs: { value: d.probeIntervalMs, source: DOC },
      failedProbes: { value: d.failedProbes, source: DOC },
      detectionWindowMs: { value: d.detectionWindowMs, source: DOC },
      receiverSilenceSeconds: { value: d.receiverSilenceSeconds, source: DOC },
      replication: { value: "synchronous_standby_names = 'ANY 1 (primary, replica1, replica2)'", source: 'infra/postgres/README.md' },
      agentOnNode: {
        value: 'none',
        source: 'docs/postgres.md',
        note: 'the monitor runs in the worker, off the node: the node kill takes the postmaster and all its children',
      },
    };
  }

  /** Runs `fn` while a worker serves the bench's task queue (the whole interleaved run). */
  async within<T>(fn: () => Promise<T>): Promise<T> {
    const { client, connection } = await temporalClient();
    this.client = client;
    try {
      return await withWorker(this.taskQueue, fn, pgWorkerEnv());
    } finally {
      await stopPgMonitor(client, 'main').catch(() => undefined);
      await connection.close();
    }
  }

  async start(): Promise<void> {
    if (!this.client) throw new Error('OursSide.start runs inside within()');
    await waitClusterHealthy(120_000);
    await primeMonitor(this.client, this.taskQueue);
    await runPgMonitorOn(this.client, this.taskQueue);
  }

  waitStable(timeoutMs: number): Promise<string> {
    return waitClusterHealthy(timeoutMs);
  }

  async locatePrimary(): Promise<ServerRef | undefined> {
    const topology = await readTopologyFile(stateDir);
    return topology ? this.servers.find((s) => s.port === topology.primary.port) : undefined;
  }

  private dataDir(name: string): string {
    return path.join(process.env.PG_DATA_ROOT ?? path.join(stateDir, 'postgres'), name);
  }

  kill(primary: string, kind: KillKind): Promise<void> {
    return kind === 'postmaster' ? killPostmaster(this.dataDir(primary)) : killNode(this.dataDir(primary));
  }

  /** Our view: the start of the pgFailover run that pgMonitor began on the confirmed failure. */
  detected(_primary: string, killedAtMs: number, timeoutMs: number): Promise<number> {
    const handle = this.client!.workflow.getHandle('pg-failover/main');
    return pollUntil(
      async () => {
        const start = (await handle.describe()).startTime.getTime();
        return start >= killedAtMs ? start : undefined;
      },
      timeoutMs - (Date.now() - killedAtMs),
      'ours: a pgFailover run',
    );
  }

  /** Nothing to restart: pgFailover rejoins the old primary itself (pg_rewind). */
  async recover(): Promise<void> {}

  async stop(): Promise<void> {
    if (this.client) await stopPgMonitor(this.client, 'main');
  }
}
