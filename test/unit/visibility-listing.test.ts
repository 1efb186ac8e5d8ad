// Which visibility rows the history and status list as operations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listsAsOperation } from '../../read-models/visibility';

describe('the operation list', () => {
  const cases: Array<[string, { type: string; status: 'COMPLETED' | 'CONTINUED_AS_NEW' | 'FAILED' | 'RUNNING' }, boolean]> = [
    // Listing it would show every `scale --to` twice: once as scaleTo, once as what it became.
    ['a scaleTo that continued as scaleUp or scaleDown is left out', { type: 'scaleTo', status: 'CONTINUED_AS_NEW' }, false],
    // Leaving this out would hide a refusal (LimitExceeded) from the operator.
    // Leaving this out would hide the operation holding the mutex from `status`.
    ['a scaleTo still deciding is listed', { type: 'scaleTo', status: 'RUNNING' }, true],
    ['a scaleTo that refused is listed', { type: 'scaleTo', status: 'FAILED' }, true],
    // Listing it would fill `history --limit N` with no-ops that changed nothing.
    ['a scaleTo that found the service at its target is left out', { type: 'scaleTo', status: 'COMPLETED' }, false],
    // Other types keep every run, continue-as-new included (a long reshard's chunks).
    ['a redisReshard run that continued as new is listed', { type: 'redisReshard', status: 'CONTINUED_AS_NEW' }, true],
    ['a scaleUp is listed', { type: 'scaleUp', status: 'COMPLETED' }, true],
  ];
  for (const [name, record, expected] of cases) it(name, () => assert.equal(listsAsOperation(record), expected));
});
