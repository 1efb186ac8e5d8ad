// The notes routes (PostgreSQL, read/write split): a write remembers its LSN in the
// session, so the session's next reads include it on any instance and any replica.
import { HttpError, readJsonBody, sendJson } from '../shared/http-kit';
import type { CacheEntry } from './lib/cache-aside';
import { answererOf, sessionRoute, type AppRoute, type AppRouteDeps } from './route-kit';

const MAX_NOTE_CHARS = 2_000;

function positiveId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new HttpError(400, 'bad_id', 'the note id must be a positive whole number');
  return Number(text);
}

function noteText(body: Record<string, unknown>): string {
  if (typeof body.text !== 'string' || body.text.trim() === '' || body.text.length > MAX_NOTE_CHARS) {
    throw new HttpError(400, 'bad_text', `text must be a non-empty string of at most ${MAX_NOTE_CHARS} characters`);
  }
  return body.text;
}

/** How many notes there are: the cached read path (cache-aside, TTL CACHE_TTL_MS), warmed when an instance starts. */
export function notesCountEntry(deps: Pick<AppRouteDeps, 'db'>): CacheEntry<{ count: number }> {
  return {
    cache: 'notes',
    key: 'count',
    load: async () => ({ count: Number((await deps.db.read<{ n: string }>('SELECT count(*) AS n FROM notes')).rows[0].n) }),
  };
}

export function noteRoutes(deps: AppRouteDeps): AppRoute[] {
  const me = answererOf(deps);
  return [
    {
      method: 'GET',
      pattern: /^\/api\/stats\/notes$/,
      session: false,
      handler: async (_req, res) => {
        const { value, hit } = await deps.cache.get(notesCountEntry(deps));
        sendJson(res, 200, { ...me, notes: value.count, cached: hit });
      },
    },
    sessionRoute('POST', /^\/api\/notes$/, async (session, req, res) => {
      const text = noteText(await readJsonBody(req, deps.maxBodyBytes));
      const { rows, lsn } = await deps.db.write<{ id: string }>(
        'INSERT INTO notes (session_id, body, created_by) VALUES ($1, $2, $3) RETURNING id',
        [session.id, text, deps.instanceId],
      );
      // The session remembers its last write, so its next reads include it on any instance.
      await deps.sessions.set(session.id, { lastWriteLsn: lsn });
      // The count changed: drop it rather than wait out its TTL.
      await deps.cache.invalidate('notes', 'count');
      sendJson(res, 201, { ...me, id: Number(rows[0].id), lsn });
    }),
    sessionRoute('GET', /^\/api\/notes\/([^/]+)$/, async (session, _req, res, params) => {
      const id = positiveId(params[0]);
      const minLsn = (await deps.sessions.read(session.id)).lastWriteLsn;
      const { rows, servedBy } = await deps.db.read<{ id: string; body: string; created_at: Date }>(
        'SELECT id, body, created_at FROM notes WHERE id = $1',
        [id],
        { minLsn },
      );
      if (rows.length === 0) return sendJson(res, 404, { ...me, error: 'not_found', message: `no note ${id}`, servedBy });
      sendJson(res, 200, { ...me, servedBy, note: { id: Number(rows[0].id), text: rows[0].body, createdAt: rows[0].created_at } });
    }),
    {
      method: 'GET',
      pattern: /^\/api\/notes$/,
      session: false,
      handler: async (_req, res) => {
        const { rows, servedBy } = await deps.db.read<{ id: string; body: string }>('SELECT id, body FROM notes ORDER BY id DESC LIMIT 20');
        sendJson(res, 200, { ...me, servedBy, notes: rows.map((r) => ({ id: Number(r.id), text: r.body })) });
      },
    },
  ];
}
