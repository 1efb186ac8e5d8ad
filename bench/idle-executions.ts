// Benchmark: how many executions an idle platform adds to the Temporal UI's workflow list
// (issue 12: at most about 30 in 10 minutes). Run it with the stack's worker up and no
// operation going on; it counts the executions started during the window, by type.
//   node dist/bench/idle-executions.js [--minutes 10]
// Writes bench/results/idle-executions-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { benchFailed, BenchRefusal, preflight, stackPorts } from '../testkit/bench/preflight';
import { repoRoot, temporalClient } from '../testkit/stack';
import { arg, runRecord } from './scale-common';

async function countSince(client: Client, since: Date): Promise<number> {
  return (await client.workflow.count(`StartTime >= "${since.toISOString()}"`)).count;
}

async function countByType(client: Client, since: Date): Promise<Record<string, number>> {
  const byType: Record<string, number> = {};
  for await (const w of client.workflow.list({ query: `StartTime >= "${since.toISOString()}"` }))
    byType[w.type] = (byType[w.type] ?? 0) + 1;
  return byType;
}

async function main(): Promise<void> {
  const minutes = Number(arg('minutes', '10'));
  const minutesGiven = () => {
    if (!(minutes > 0 && minutes <= 120))
      throw new BenchRefusal(`--minutes must be a number from 0 to 120 (got '${arg('minutes', '10')}')`);
  };
  await preflight({ bench: 'idle-executions', ports: stackPorts('temporal'), inputs: [minutesGiven] });
  const { client, connection } = await temporalClient();
  try {
    const start = new Date();
    const loadBefore = os.loadavg();
    const totalBefore = (await client.workflow.count()).count;
    process.stdout.write(`${totalBefore} executions in the list; idle for ${minutes} min from ${start.toISOString()}\n`);
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    const byType = await countByType(client, start);
    const result = {
      benchmark: 'idle-executions',
      ...runRecord(loadBefore),
      startedAt: start.toISOString(),
      finishedAt: new Date().toISOString(),
      minutes,
      machine: { nproc: os.cpus().length, node: process.version },
      executionsInListBefore: totalBefore,
      executionsInListAfter: (await client.workflow.count()).count,
      executionsAdded: await countSince(client, start),
      byType,
    };
    const dir = path.join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `idle-executions-${result.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `results: ${path.relative(repoRoot, file)}\n${result.executionsAdded} executions added in ${minutes} min: ${JSON.stringify(byType)}\n`,
    );
  } finally {
    await connection.close();
  }
}

main().then(() => process.exit(0), benchFailed);
