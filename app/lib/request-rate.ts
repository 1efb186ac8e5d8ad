// Requests per second over a sliding window, for the per-instance gauge
// jarvis_requests_per_second: what an operator or the autoscaler reads off one instance without
// a Prometheus rate(). Counts per whole second in a ring, so recording is O(1) and the memory is
// fixed; the clock is injected so a test can step it.

export interface RequestRate {
  /** One request finished now. */
  record(): void;
  /** Requests per second over the last window (whole seconds, the current partial one included). */
  perSecond(): number;
}

export function createRequestRate(windowSeconds = 10, now: () => number = Date.now): RequestRate {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
    throw new RangeError(`windowSeconds must be a whole number >= 1, got ${windowSeconds}`);
  const counts = new Array<number>(windowSeconds).fill(0);
  const seconds = new Array<number>(windowSeconds).fill(-1);
  const second = () => Math.floor(now() / 1000);
  return {
    record() {
      const s = second();
      const i = s % windowSeconds;
      if (seconds[i] !== s) {
        seconds[i] = s;
        counts[i] = 0;
      }
      counts[i] += 1;
    },
    perSecond() {
      const s = second();
      let total = 0;
      for (let i = 0; i < windowSeconds; i++) if (s - seconds[i] < windowSeconds && seconds[i] <= s) total += counts[i];
      return total / windowSeconds;
    },
  };
}
