// The scaling platform's consistency after an operation ended (finished, failed or was
// cancelled): the instances that exist all run, their number and version are the expected
// ones, and nginx's upstream holds exactly them. Returns the problems found, none when consistent.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { listContainers, upstreamMembers, SERVICE } from './platform';

export interface ExpectedPlatform {
  count: number;
  version: string;
}

export async function platformProblems(expected: ExpectedPlatform, service = SERVICE): Promise<string[]> {
  const instances = await listContainers(service);
  const members = (await upstreamMembers(service)).map((m) => m.name).sort();
  const problems: string[] = [];
  const stopped = instances.filter((i) => !i.running).map((i) => i.name);
  if (stopped.length > 0) problems.push(`instances that exist but do not run: ${stopped.join(', ')}`);
  if (instances.length !== expected.count) problems.push(`${instances.length} instances, expected ${expected.count}`);
  const wrong = instances.filter((i) => i.version !== expected.version).map((i) => `${i.name}=${i.version}`);
  if (wrong.length > 0) problems.push(`instances not on ${expected.version}: ${wrong.join(', ')}`);
  const names = instances.map((i) => i.name).sort();
  if (names.join(',') !== members.join(',')) problems.push(`upstream [${members.join(', ')}] is not the instances [${names.join(', ')}]`);
  return problems;
}

export async function assertPlatformConsistent(expected: ExpectedPlatform): Promise<void> {
  assert.deepEqual(await platformProblems(expected), [], 'the platform is consistent');
}

/** Asserts that a workflow ended as cancelled (not failed with a domain error). */
export async function assertCancelled(result: Promise<unknown>): Promise<void> {
  const error = await result.then(
    (value) => assert.fail(`expected a cancellation, got result ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(error)}`);
  assert.ok(error.cause instanceof CancelledFailure, `expected a CancelledFailure cause, got ${String(error.cause)}`);
}

/** Asserts the instances that exist, in order, and that nginx's upstream holds exactly them. */
export async function assertInstancesServed(names: string[]): Promise<void> {
  assert.deepEqual(
    (await listContainers()).map((c) => c.name),
    names,
  );
  assert.deepEqual(
    (await upstreamMembers()).map((m) => m.name),
    names,
  );
}
