// Small helpers for plain node:http handlers: JSON answers, bounded JSON bodies, and an
// error type that carries its HTTP status so handlers can simply throw.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a JSON object body of at most maxBytes; 413 past it, 415 for another type, 400 for bad JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, 'unsupported_media_type', 'the body must be JSON (content-type: application/json)');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume(); // drain it so the connection can answer
    throw new HttpError(413, 'body_too_large', `the body is ${declared} bytes; at most ${maxBytes} are accepted`, { connection: 'close' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new HttpError(413, 'body_too_large', `the body is over ${maxBytes} bytes`, { connection: 'close' });
    }
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_json', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, 'bad_json', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The path and query of a request; a URL Node cannot parse is a 400. */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://instance.local');
  } catch {
    throw new HttpError(400, 'bad_url', 'the request URL cannot be parsed');
  }
}
