// A writer modelled on Redis's own resharding test (tests/unit/cluster/…): RPUSH numbered
// values onto many keys through an ioredis Cluster client, recording every acknowledgement,
// so that afterwards each list must hold every acknowledged value, in order.
import { Cluster } from 'ioredis';
import { writeConfirmed, type ReplicaConfirmation } from '../app/lib/confirmed-write';
import { redisNodes } from './ports';
import { redisPassword } from './redis';

/**
 * The client settings that keep a writer error-free while slots move (see README): ASK and
 * MOVED redirections are followed (maxRedirections), TRYAGAIN and CLUSTERDOWN are retried
 * after a short delay, and the slot map is refreshed on MOVED.
 */
export function resilientClusterClient(): Cluster {
  return new Cluster(
    redisNodes.map((n) => ({ ...n })),
    {
      redisOptions: { password: redisPassword(), maxRetriesPerRequest: 20 },
      maxRedirections: 64,
      retryDelayOnMoved: 0,
      retryDelayOnTryAgain: 100,
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      slotsRefreshTimeout: 2000,
      enableOfflineQueue: true,
      scaleReads: 'master',
    },
  );
}

export interface WriterReport {
  writes: number;
  errors: number;
  firstErrors: string[];
  p99Ms: number;
}

export interface ListWriterOptions {
  /** Key prefix: two writers with their own prefixes never touch each other's keys. */
  prefix?: string;
  /** Count a write acknowledged only once WAIT confirmed it (app/lib/confirmed-write.ts). */
  confirm?: ReplicaConfirmation;
}

export class ListWriter {
  private readonly client = resilientClusterClient();
  /** Writes the master took but WAIT did not confirm in time: not counted as acknowledged. */
  unconfirmed = 0;
  private readonly acked: number[][];
  /** When each acknowledged value was acknowledged (ms since the epoch), beside `acked`. */
  private readonly ackedAt: number[][];
  private readonly next: number[];
  private running = false;
  private loops: Promise<void>[] = [];
  private errors = 0;
  private writes = 0;
  private readonly firstErrors: string[] = [];
  private latencies: number[] = [];

  constructor(
    private readonly keyCount: number,
    private readonly concurrency = 4,
    private readonly options: ListWriterOptions = {},
  ) {
    this.acked = Array.from({ length: keyCount }, () => []);
    this.ackedAt = Array.from({ length: keyCount }, () => []);
    this.next = new Array(keyCount).fill(0);
  }

  key(i: number): string {
    return `${this.options.prefix ?? 'reshard-test'}:${i}`;
  }

  /** Deletes the keys and writes value 0 onto each, so every slot holds some. */
  async populate(): Promise<void> {
    for (let start = 0; start < this.keyCount; start += 2000) {
      const batch = [];
      for (let i = start; i < Math.min(start + 2000, this.keyCount); i++) {
        batch.push(this.client.del(this.key(i)).then(() => this.write(i)));
      }
      await Promise.all(batch);
    }
  }

  private async write(i: number): Promise<void> {
    const value = this.next[i]++;
    const began = performance.now();
    try {
      const key = this.key(i);
      const { confirm } = this.options;
      if (confirm) await writeConfirmed(this.client, key, (p) => p.rpush(key, String(value)), confirm);
      else await this.client.rpush(key, String(value));
      this.acked[i].push(value);
      this.ackedAt[i].push(Date.now());
      this.writes++;
      this.latencies.push(performance.now() - began);
    } catch (error) {
      if ((error as Error).name === 'UnconfirmedWriteError') this.unconfirmed++;
      this.errors++;
      if (this.firstErrors.length < 5) this.firstErrors.push((error as Error).message);
    }
  }

  start(): void {
    this.running = true;
    this.latencies = [];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    this.loops = Array.from({ length: this.concurrency }, async () => {
      while (this.running) await this.write(Math.floor(random() * this.keyCount));
    });
  }

  async stop(): Promise<WriterReport> {
    this.running = false;
    await Promise.all(this.loops);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      writes: this.writes,
      errors: this.errors,
      firstErrors: this.firstErrors,
      p99Ms: sorted.length ? Number(sorted[Math.floor(sorted.length * 0.99)].toFixed(2)) : 0,
    };
  }

  /** Every list holds exactly the values sent to it in order, with every acknowledged one present. */
  async verify(): Promise<{ keysChecked: number; problems: string[] }> {
    const { keysChecked, outOfOrder, missing } = await this.lostWrites();
    const problems = [...outOfOrder, ...missing.map((m) => `${m.key}: acknowledged values missing: ${m.values.slice(0, 5).join(',')}`)];
    return { keysChecked, problems: problems.slice(0, 20) };
  }

  /** Values out of order, and per key the acknowledged values missing with when each was acknowledged. */
  async lostWrites(): Promise<{
    keysChecked: number;
    outOfOrder: string[];
    missing: Array<{ key: string; values: number[]; ackedAtMs: number[] }>;
  }> {
    const outOfOrder: string[] = [];
    const missing: Array<{ key: string; values: number[]; ackedAtMs: number[] }> = [];
    for (let start = 0; start < this.keyCount; start += 2000) {
      const lists = await Promise.all(
        Array.from({ length: Math.min(2000, this.keyCount - start) }, (_, j) => this.client.lrange(this.key(start + j), 0, -1)),
      );
      lists.forEach((list, j) => {
        const i = start + j;
        const values = list.map(Number);
        for (let k = 1; k < values.length; k++)
          if (values[k] <= values[k - 1]) outOfOrder.push(`${this.key(i)}: ${values[k]} after ${values[k - 1]}`);
        const present = new Set(values);
        const lost = this.acked[i].map((v, k) => ({ v, at: this.ackedAt[i][k] })).filter(({ v }) => !present.has(v));
        if (lost.length > 0) missing.push({ key: this.key(i), values: lost.map((l) => l.v), ackedAtMs: lost.map((l) => l.at) });
      });
    }
    return { keysChecked: this.keyCount, outOfOrder, missing };
  }

  /** Stops expecting these values on this key (writes a crash lost and a report already counted). */
  forget(key: string, values: number[]): void {
    const i = Number(key.slice(key.lastIndexOf(':') + 1));
    const drop = new Set(values);
    const keep = this.acked[i].map((v, k) => ({ v, at: this.ackedAt[i][k] })).filter(({ v }) => !drop.has(v));
    this.acked[i] = keep.map((x) => x.v);
    this.ackedAt[i] = keep.map((x) => x.at);
  }

  /** The slot of a key (asked of the cluster, so no slot function is copied here). */
  async slotOf(key: string): Promise<number> {
    return Number(await this.client.cluster('KEYSLOT', key));
  }

  /** How many acknowledged values each list is missing, in all (verify() says which). */
  async countLost(): Promise<{ acknowledged: number; lost: number }> {
    let acknowledged = 0;
    let lost = 0;
    for (let start = 0; start < this.keyCount; start += 2000) {
      const lists = await Promise.all(
        Array.from({ length: Math.min(2000, this.keyCount - start) }, (_, j) => this.client.lrange(this.key(start + j), 0, -1)),
      );
      lists.forEach((list, j) => {
        const present = new Set(list.map(Number));
        acknowledged += this.acked[start + j].length;
        lost += this.acked[start + j].filter((v) => !present.has(v)).length;
      });
    }
    return { acknowledged, lost };
  }

  /** Records a value as acknowledged that was never written: a planted lost write, to show a checker catches it. */
  plantLostWrite(i = 0): void {
    this.acked[i].push(this.next[i]++);
  }

  async cleanup(): Promise<void> {
    for (let start = 0; start < this.keyCount; start += 2000) {
      await Promise.all(Array.from({ length: Math.min(2000, this.keyCount - start) }, (_, j) => this.client.del(this.key(start + j))));
    }
    this.close();
  }

  close(): void {
    this.running = false;
    this.client.disconnect();
  }
}
