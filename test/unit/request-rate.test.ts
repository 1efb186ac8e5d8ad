// The per-instance requests-per-second window behind jarvis_requests_per_second.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequestRate } from '../../app/lib/request-rate';

describe('createRequestRate', () => {
  it('averages the requests of the last window, forgets older seconds, and reuses its slots', () => {
    let now = 1_000_000;
    const rate = createRequestRate(10, () => now);
    assert.equal(rate.perSecond(), 0);
    for (let i = 0; i < 30; i++) rate.record();
    assert.equal(rate.perSecond(), 3);
    now += 5_000;
    for (let i = 0; i < 20; i++) rate.record();
    assert.equal(rate.perSecond(), 5, '30 + 20 within 10 s');
    now += 5_000;
    assert.equal(rate.perSecond(), 2, 'the first 30 fell out of the window');
    now += 20_000;
    assert.equal(rate.perSecond(), 0);
    rate.record();
    assert.equal(rate.perSecond(), 0.1, 'a slot reused 30 s later starts from zero');
  });

  it('refuses a window that is not a whole number of seconds', () => {
    assert.throws(() => createRequestRate(0), /windowSeconds must be a whole number >= 1, got 0/);
    assert.throws(() => createRequestRate(2.5), /got 2.5/);
  });
});
