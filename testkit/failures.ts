import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

/** Asserts that a workflow failed with a non-retryable ApplicationFailure of `type` whose message matches. */
export async function assertFailsWith(result: Promise<unknown>, type: string, message: RegExp): Promise<ApplicationFailure> {
  const error = await result.then(
    (value) => assert.fail(`expected a ${type} failure, got result ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(error)}`);
  const cause = error.cause;
  assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${String(cause)}`);
  assert.equal(cause.type, type, cause.message);
  assert.equal(cause.nonRetryable, true, 'the failure must be non-retryable');
  assert.match(cause.message, message);
  return cause;
}
