// The reference app's own routes: a session counter and session data (Redis), notes
// (PostgreSQL, read/write split with read-your-writes), a job run under a distributed
// lock, and a deliberately slow request for shutdown tests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbRouter } from './lib/db-router';
import type { DistributedLock } from './lib/distributed-lock';
import { LockNotAcquiredError } from './lib/distributed-lock';
import { HttpError, readJsonBody, sendJson } from '../shared/http-kit';
import { sessionOf } from './lib/session-affinity';
import type { SessionStore } from './lib/session-store';

export interface AppRouteDeps {
  instanceId: string;
  version: string;
  db: DbRouter;
  sessions: SessionStore;
  locks: DistributedLock;
  maxBodyBytes: number;
}

const MAX_NOTE_CHARS = 2_000;
const MAX_SLOW_MS = 30_000;
const DATA_KEY = /^[a-z][a-z0-9_]{0,31}$/;
const JOB_NAME = /^[a-z][a-z0-9-]{0,39}$/;

function requireSession(req: IncomingMessage) {
  const session = sessionOf(req);
  if (!session) throw new HttpError(500, 'no_session', 'the session middleware did not run for this route');
  return session;
}

function positiveId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new HttpError(400, 'bad_id', 'the note id must be a positive whole number');
  return Number(text);
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void>;

export function appRoutes(deps: AppRouteDeps): { method: string; pattern: RegExp; session: boolean; handler: RouteHandler }[] {
  const me = { instance: deps.instanceId, version: deps.version };
  return [
    {
      method: 'GET',
      pattern: /^\/api\/(?:ping|whoami)$/,
      session: false,
      handler: async (_req, res) => sendJson(res, 200, { ...me, pong: true }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/slow$/,
      session: false,
      handler: async (_req, res, url) => {
        const ms = Number(url.searchParams.get('ms') ?? '1000');
        if (!Number.isInteger(ms) || ms < 0 || ms > MAX_SLOW_MS)
          throw new HttpError(400, 'bad_ms', `ms must be a whole number from 0 to ${MAX_SLOW_MS}`);
        await new Promise((r) => setTimeout(r, ms));
        sendJson(res, 200, { ...me, sleptMs: ms });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/session$/,
      session: true,
      handler: async (req, res) => {
        const session = requireSession(req);
        sendJson(res, 200, { ...me, session: session.id, isNew: session.isNew, data: await deps.sessions.read(session.id) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/session\/counter$/,
      session: true,
      handler: async (req, res) => {
        const session = requireSession(req);
        sendJson(res, 200, { ...me, session: session.id, visits: await deps.sessions.increment(session.id, 'visits') });
      },
    },
    {
      method: 'PUT',
      pattern: /^\/api\/session\/data$/,
      session: true,
      handler: async (req, res) => {
        const session = requireSession(req);
        const body = await readJsonBody(req, deps.maxBodyBytes);
        const fields: Record<string, string> = {};
        for (const [key, value] of Object.entries(body)) {
          if (!DATA_KEY.test(key))
            throw new HttpError(
              400,
              'bad_field',
              `field name ${JSON.stringify(key.slice(0, 40))} must be lowercase letters, digits or _ (at most 32)`,
            );
          if (typeof value !== 'string' || value.length > 1_000)
            throw new HttpError(400, 'bad_field', `field ${key} must be a string of at most 1000 characters`);
          fields[`data_${key}`] = value;
        }
        if (Object.keys(fields).length === 0) throw new HttpError(400, 'bad_field', 'the body must hold at least one field');
        await deps.sessions.set(session.id, fields);
        sendJson(res, 200, { ...me, session: session.id, stored: Object.keys(body) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/notes$/,
      session: true,
      handler: async (req, res) => {
        const session = requireSession(req);
        const body = await readJsonBody(req, deps.maxBodyBytes);
        if (typeof body.text !== 'string' || body.text.trim() === '' || body.text.length > MAX_NOTE_CHARS) {
          throw new HttpError(400, 'bad_text', `text must be a non-empty string of at most ${MAX_NOTE_CHARS} characters`);
        }
        const { rows, lsn } = await deps.db.write<{ id: string }>(
          'INSERT INTO notes (session_id, body, created_by) VALUES ($1, $2, $3) RETURNING id',
          [session.id, body.text, deps.instanceId],
        );
        // The session remembers its last write, so its next reads include it on any instance.
        await deps.sessions.set(session.id, { lastWriteLsn: lsn });
        sendJson(res, 201, { ...me, id: Number(rows[0].id), lsn });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/notes\/([^/]+)$/,
      session: true,
      handler: async (req, res, _url, params) => {
        const session = requireSession(req);
        const id = positiveId(params[0]);
        const minLsn = (await deps.sessions.read(session.id)).lastWriteLsn;
        const { rows, servedBy } = await deps.db.read<{ id: string; body: string; created_at: Date }>(
          'SELECT id, body, created_at FROM notes WHERE id = $1',
          [id],
          { minLsn },
        );
        if (rows.length === 0) return sendJson(res, 404, { ...me, error: 'not_found', message: `no note ${id}`, servedBy });
        sendJson(res, 200, { ...me, servedBy, note: { id: Number(rows[0].id), text: rows[0].body, createdAt: rows[0].created_at } });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/notes$/,
      session: false,
      handler: async (_req, res) => {
        const { rows, servedBy } = await deps.db.read<{ id: string; body: string }>('SELECT id, body FROM notes ORDER BY id DESC LIMIT 20');
        sendJson(res, 200, { ...me, servedBy, notes: rows.map((r) => ({ id: Number(r.id), text: r.body })) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/run$/,
      session: false,
      handler: async (_req, res, _url, params) => {
        const name = params[0];
        if (!JOB_NAME.test(name)) throw new HttpError(400, 'bad_job', 'job name must be lowercase letters, digits and dashes');
        try {
          const result = await deps.locks.withLock(
            `job:${name}`,
            async ({ fencingToken }) => {
              // A fenced write: accepted only when this token is newer than the last accepted one.
              const { rows } = await deps.db.write<{ last_fence: string }>(
                `INSERT INTO job_runs (name, last_fence, last_run_by) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE SET last_fence = EXCLUDED.last_fence, last_run_by = EXCLUDED.last_run_by, last_run_at = now()
               WHERE job_runs.last_fence < EXCLUDED.last_fence
               RETURNING last_fence`,
                [name, fencingToken, deps.instanceId],
              );
              return { fencingToken, accepted: rows.length === 1 };
            },
            { ttlMs: 5_000 },
          );
          sendJson(res, 200, { ...me, job: name, ...result });
        } catch (error) {
          if (error instanceof LockNotAcquiredError) throw new HttpError(409, 'job_running', error.message);
          throw error;
        }
      },
    },
  ];
}
