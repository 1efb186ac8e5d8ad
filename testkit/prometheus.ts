// The test stack's live Prometheus: instant queries and alert states.
import { hosts, ports } from './ports';

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

export async function prometheusAlerts(): Promise<PrometheusAlert[]> {
  const response = await fetch(`http://${hosts.prometheus}:${ports.prometheus}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { data: { alerts: PrometheusAlert[] } };
  return body.data.alerts;
}

export async function instantQuery(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const url = `http://${hosts.prometheus}:${ports.prometheus}/api/v1/query?${new URLSearchParams({ query: promql })}`;
  const body = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as {
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${body.error}`);
  return body.data?.result ?? [];
}

/** Polls until check returns a value, or throws with the last state seen. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
