// The real worker process serves the platform metrics on WORKER_METRICS_PORT and the Temporal
// SDK runtime's own metrics on WORKER_SDK_METRICS_PORT, both on loopback.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { taskQueueFor } from '../../testkit/stack';
import { startWorkerProcess } from '../../testkit/workers';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function scrape(port: number, wanted: RegExp): Promise<string> {
  let text = '';
  // The SDK exporter may answer a moment after the worker says it is ready.
  for (let i = 0; i < 50 && !wanted.test(text); i++) {
    text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    if (!wanted.test(text)) await new Promise((r) => setTimeout(r, 200));
  }
  return text;
}

describe('worker metrics endpoints', () => {
  it("serves jarvis_* platform metrics and the SDK runtime's temporal_* metrics on two loopback ports", async () => {
    const [metricsPort, sdkPort] = [await freePort(), await freePort()];
    const worker = await startWorkerProcess(taskQueueFor('worker metrics'), {
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_SDK_METRICS_PORT: String(sdkPort),
    });
    try {
      const platform = await scrape(metricsPort, /jarvis_scaling_events_total/);
      for (const name of [
        'jarvis_instances_total',
        'jarvis_instances_ready',
        'jarvis_instances_unhealthy',
        'jarvis_scaling_events_total',
        'jarvis_scaling_duration_seconds',
        'jarvis_autoscale_triggers_total',
        'jarvis_db_replication_lag_seconds',
        'jarvis_worker_process_cpu_seconds_total',
      ]) {
        assert.match(platform, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      assert.match(platform, /^jarvis_instances_total\{service="jarvis-app"\} \d+$/m);
      const sdk = await scrape(sdkPort, /temporal_/);
      assert.match(sdk, /^temporal_\w+/m, 'the SDK runtime exports temporal_* metrics');
    } finally {
      await worker.kill('SIGTERM');
    }
  });
});
