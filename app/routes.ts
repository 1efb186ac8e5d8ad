// The reference app's own routes, in the order the server matches them: ping and a
// deliberately slow request (for shutdown tests) here; the session counter and session data
// (Redis) in session-routes.ts, notes (PostgreSQL, read/write split with read-your-writes)
// in note-routes.ts, and a job run under a distributed lock in job-routes.ts.
import { HttpError, sendJson } from '../shared/http-kit';
import { jobRoutes } from './job-routes';
import { noteRoutes } from './note-routes';
import { answererOf, type AppRoute, type AppRouteDeps } from './route-kit';
import { sessionRoutes } from './session-routes';

export type { AppRoute, AppRouteDeps, RouteHandler } from './route-kit';

const MAX_SLOW_MS = 30_000;

function pingRoutes(deps: AppRouteDeps): AppRoute[] {
  const me = answererOf(deps);
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
  ];
}

/** Every route, in the order the server matches them. */
export function appRoutes(deps: AppRouteDeps): AppRoute[] {
  return [...pingRoutes(deps), ...sessionRoutes(deps), ...noteRoutes(deps), ...jobRoutes(deps)];
}
