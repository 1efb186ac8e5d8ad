import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cleanUpInstances,
  eventually,
  instanceEnv,
  startInstance,
  startReadyInstances,
  type AppInstance,
} from '../../testkit/app-instances';
import { repoRoot, stackSecrets } from '../../testkit/stack';

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  error?: RegExp;
}

/** A POST of `body` to /api/notes, sent as `contentType`. */
function notePost(name: string, contentType: string, body: string, status: number, error: RegExp): Case {
  return { name, method: 'POST', path: '/api/notes', headers: { 'content-type': contentType }, body, status, error };
}

const SID = '0123456789abcdef0123456789abcdef';

describe('bad input gets a clear 4xx and crashes nothing', () => {
  let app: AppInstance;
  before(async () => ([app] = await startReadyInstances([1], { MAX_BODY_BYTES: '1024' })));
  after(cleanUpInstances);

  const cases: Case[] = [
    {
      name: 'a malformed session cookie',
      path: '/api/session',
      headers: { cookie: 'jarvis_sid=not-hex;' },
      status: 400,
      error: /malformed session cookie: cookie jarvis_sid must be 32 lowercase hex characters/,
    },
    {
      name: 'a session cookie of the wrong length',
      path: '/api/session',
      headers: { cookie: `jarvis_sid=${SID}ff` },
      status: 400,
      error: /malformed session cookie/,
    },
    notePost('an oversized body', 'application/json', JSON.stringify({ text: 'x'.repeat(5_000) }), 413, /at most 1024 are accepted/),
    notePost('a body that is not JSON', 'application/json', '{"text": ', 400, /not valid JSON/),
    notePost('a JSON array body', 'application/json', '[1]', 400, /must be a JSON object/),
    notePost('a body of another type', 'text/plain', 'hi', 415, /must be JSON/),
    notePost('a note without text', 'application/json', '{"title":"x"}', 400, /text must be a non-empty string/),
    { name: 'a note id that is not a number', path: '/api/notes/abc', status: 400, error: /note id must be a positive whole number/ },
    {
      name: 'a session field with a bad name',
      method: 'PUT',
      path: '/api/session/data',
      headers: { 'content-type': 'application/json' },
      body: '{"Bad Key":"v"}',
      status: 400,
      error: /field name "Bad Key" must be/,
    },
    { name: 'a slow request past the limit', path: '/api/slow?ms=999999', status: 400, error: /ms must be a whole number from 0 to 30000/ },
    { name: 'an admin call without a token', path: '/api/admin/status', status: 401, error: /Authorization: Bearer/ },
    {
      name: 'an admin call with a wrong token',
      path: '/api/admin/status',
      headers: { authorization: 'Bearer wrong-token-of-some-length' },
      status: 401,
    },
    {
      name: 'an admin call with another scheme',
      method: 'POST',
      path: '/api/admin/drain',
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      status: 401,
    },
    { name: 'an unknown route', path: '/api/nothing-here', status: 404, error: /no route for \/api\/nothing-here/ },
    {
      name: 'a method the route does not take',
      method: 'DELETE',
      path: '/api/notes',
      status: 405,
      error: /DELETE is not allowed on \/api\/notes; use POST or GET/,
    },
    { name: 'a bad job name', method: 'POST', path: '/api/jobs/BAD!/run', status: 400, error: /job name must be/ },
  ];

  for (const c of cases) {
    it(`answers ${c.status} to ${c.name}`, async () => {
      const res = await fetch(`${app.url}${c.path}`, { method: c.method ?? 'GET', headers: c.headers, body: c.body });
      const text = await res.text();
      assert.equal(res.status, c.status, text);
      assert.equal(res.headers.get('x-instance-id'), app.id, 'every answer names the instance');
      if (c.error) assert.match((JSON.parse(text) as { message: string }).message, c.error);
    });
  }

  it('clears a malformed session cookie so the client can recover', async () => {
    const res = await fetch(`${app.url}/api/session`, { headers: { cookie: 'jarvis_sid=%%%' } });
    await res.arrayBuffer();
    assert.match(res.headers.get('set-cookie') ?? '', /^jarvis_sid=; Path=\/; Max-Age=0/);
  });

  it('answers 400 to a malformed request line and 431 to oversized headers', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(app.port, '127.0.0.1', () => socket.write(text));
        let answer = '';
        socket.on('data', (d) => (answer += d.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
      });
    assert.match(await raw('THIS IS NOT HTTP\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await raw(`GET /api/ping HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  });

  it('is still alive and ready after all of it', async () => {
    assert.equal(app.child.exitCode, null);
    assert.equal((await fetch(`${app.url}/api/live`)).status, 200);
    assert.equal((await fetch(`${app.url}/api/health`)).status, 200);
  });

  it('stays live but not ready while Redis is unreachable, and still stops on SIGTERM', async () => {
    const lonely = startInstance(8, { REDIS_CLUSTER_NODES: '127.0.0.1:9', SHUTDOWN_DEADLINE_MS: '5000' });
    const health = await eventually('a health answer', async () => {
      const res = await fetch(`${lonely.url}/api/health`).catch(() => undefined);
      return res ? { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, boolean> } } : undefined;
    });
    await new Promise((r) => setTimeout(r, 2_500)); // past a full check round with the Redis timeout
    const later = await fetch(`${lonely.url}/api/health`);
    const body = (await later.json()) as { ready: boolean; checks: Record<string, boolean> };
    assert.equal(health.status, 503);
    assert.equal(later.status, 503);
    assert.equal(body.checks.redis, false, JSON.stringify(body));
    assert.equal((await fetch(`${lonely.url}/api/live`)).status, 200);
    const exit = await lonely.stop('SIGTERM', 10_000);
    assert.ok(exit.code === 0 || exit.code === 1, `exited by itself (code ${exit.code}, signal ${exit.signal})`);
  });

  const badEnv: [string, Record<string, string>, RegExp][] = [
    ['PORT', { PORT: 'eighty' }, /PORT: .*"eighty"/],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: '127.0.0.1' }, /REDIS_CLUSTER_NODES: must be host:port,…: "127.0.0.1" has no port/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x@127.0.0.1/db' }, /DATABASE_URL: must be a URL like postgres:/],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN: must be at least 16 characters/],
    [
      'JARVIS_SECRETS_FILE',
      { JARVIS_SECRETS_FILE: '/nonexistent/secrets.env' },
      /JARVIS_SECRETS_FILE: cannot read \/nonexistent\/secrets\.env/,
    ],
    ['STARTUP_DELAY_MS', { STARTUP_DELAY_MS: '-5' }, /STARTUP_DELAY_MS/],
  ];
  for (const [variable, overrides, message] of badEnv) {
    it(`refuses to start with a bad ${variable}, naming it and no secret`, async () => {
      const env = instanceEnv(9, overrides);
      const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'app', 'server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 2, output);
      assert.match(output, message);
      for (const secret of Object.values(stackSecrets())) assert.ok(!output.includes(secret), 'no secret in the message');
    });
  }
});
