// Samples the figures an instance reports in its heartbeats: CPU % of one core since the
// last sample, resident memory as % of the instance's own memory limit (memory-limit.ts),
// and requests per second.

export function createProcessSampler(memoryLimitBytes: number) {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  let lastRequests = 0;
  return {
    /** `requestsServed` is a running total; the rate is its increase per second since the last sample. */
    sample(requestsServed: number): { cpuPercent: number; memoryPercent: number; requestRate: number } {
      const now = process.hrtime.bigint();
      const elapsedMicros = Number(now - lastAt) / 1000;
      const cpu = process.cpuUsage(lastCpu);
      const cpuPercent = elapsedMicros > 0 ? ((cpu.user + cpu.system) / elapsedMicros) * 100 : 0;
      const requestRate = elapsedMicros > 0 ? ((requestsServed - lastRequests) * 1e6) / elapsedMicros : 0;
      lastCpu = process.cpuUsage();
      lastAt = now;
      lastRequests = requestsServed;
      return { cpuPercent, memoryPercent: (process.memoryUsage.rss() / memoryLimitBytes) * 100, requestRate };
    },
  };
}
