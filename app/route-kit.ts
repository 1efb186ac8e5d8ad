// What every route of the reference app is built from: its dependencies, the shape of a
// route, and the session the affinity middleware attached to the request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbRouter } from './lib/db-router';
import type { DistributedLock } from './lib/distributed-lock';
import { HttpError } from '../shared/http-kit';
import { sessionOf } from './lib/session-affinity';
import type { SessionStore } from './lib/session-store';
import type { CacheAside } from './lib/cache-aside';

export interface AppRouteDeps {
  instanceId: string;
  version: string;
  db: DbRouter;
  sessions: SessionStore;
  locks: DistributedLock;
  cache: CacheAside;
  maxBodyBytes: number;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void>;

export interface AppRoute {
  method: string;
  pattern: RegExp;
  /** True when the route needs the session middleware (a cookie, affinity). */
  session: boolean;
  handler: RouteHandler;
}

/** Who answered: every answer carries the instance and its version. */
export type Answerer = { instance: string; version: string };

export function answererOf(deps: AppRouteDeps): Answerer {
  return { instance: deps.instanceId, version: deps.version };
}

function requireSession(req: IncomingMessage) {
  const session = sessionOf(req);
  if (!session) throw new HttpError(500, 'no_session', 'the session middleware did not run for this route');
  return session;
}

export type Session = ReturnType<typeof requireSession>;

/** A route behind the session middleware: its handler gets the request's session first. */
export function sessionRoute(
  method: string,
  pattern: RegExp,
  handler: (session: Session, req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>,
): AppRoute {
  return { method, pattern, session: true, handler: async (req, res, _url, params) => handler(requireSession(req), req, res, params) };
}
