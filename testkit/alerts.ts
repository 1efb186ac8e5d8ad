// What reached the stack's stand-in pager: the notifications Alertmanager posted to the local
// webhook receiver (scripts/alert-receiver.ts), one JSON line each in STATE_DIR/alerts/<receiver>.jsonl,
// and alerts sent to the live Alertmanager by hand, to check its routing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ports } from './ports';
import { stateDir } from './stack';

export type AlertReceiver = 'critical' | 'warning';

export interface AlertNotification {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: Array<{ status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** Every notification the receiver has written so far, oldest first. */
export function receivedNotifications(receiver: AlertReceiver): AlertNotification[] {
  const file = path.join(stateDir, 'alerts', `${receiver}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AlertNotification);
}

/** The first notification after the first `skip` that carries `alertname` in `status`. */
export function findDelivered(receiver: AlertReceiver, skip: number, alertname: string, status: 'firing' | 'resolved') {
  return receivedNotifications(receiver)
    .slice(skip)
    .find((n) => n.alerts.some((a) => a.labels.alertname === alertname && a.status === status));
}

/** Posts one alert straight to the live Alertmanager, as Prometheus would; `endsAt` in the past resolves it. */
export async function postAlert(labels: Record<string, string>, endsAt?: Date): Promise<void> {
  const alert = { labels, annotations: { summary: `test alert ${labels.alertname}` }, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) };
  const response = await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([alert]),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`Alertmanager refused the alert: ${response.status} ${await response.text()}`);
}
