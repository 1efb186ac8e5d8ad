// The local stack's stand-in for a pager: Alertmanager's webhook receivers post here
// (/critical and /warning, infra/prometheus/alertmanager.yml.template), and every notification
// is appended as one JSON line to ALERTS_DIR/<receiver>.jsonl, where an operator or a test
// reads what arrived. Listens on 127.0.0.1 only.
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const RECEIVERS = new Set(['critical', 'warning']);
const MAX_BODY = 1024 * 1024;

const port = Number(process.env.ALERT_RECEIVER_PORT);
const dir = process.env.ALERTS_DIR ?? '';
if (!Number.isInteger(port) || port <= 0 || port > 65535)
  throw new Error(`ALERT_RECEIVER_PORT must be a port number, got "${process.env.ALERT_RECEIVER_PORT}"`);
if (!dir) throw new Error('ALERTS_DIR must name the folder the receiver writes to');
mkdirSync(dir, { recursive: true });

const server = createServer((req, res) => {
  const receiver = (req.url ?? '').replace(/^\//, '');
  if (req.method !== 'POST' || !RECEIVERS.has(receiver)) {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
    if (body.length > MAX_BODY) req.destroy();
  });
  req.on('end', () => {
    try {
      const notification = JSON.parse(body) as object;
      appendFileSync(path.join(dir, `${receiver}.jsonl`), `${JSON.stringify({ receivedAt: new Date().toISOString(), ...notification })}\n`);
      res.writeHead(200).end('ok');
    } catch (error) {
      res.writeHead(400).end(`not a JSON notification: ${(error as Error).message}`);
    }
  });
});
server.listen(port, process.env.ALERT_RECEIVER_HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
