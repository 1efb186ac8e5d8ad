// sessionAffinityMiddleware: a connect-style middleware (works with plain node:http and
// Express) that gives every request a session. The first request gets a new session and
// its cookie; nginx then hashes that cookie (consistent hashing) so the session's requests
// keep landing on the same instance while the set of instances is stable, and only about
// 1/N of sessions move when it changes. A session id in the wrong shape gets a 400 and a
// cookie that clears it; a well-formed id that Redis no longer knows starts a new session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';
import { readSessionCookie, SESSION_COOKIE } from './cookies';
import type { SessionStore } from './session-store';

export interface Session {
  id: string;
  /** True when this request created the session. */
  isNew: boolean;
}

const sessions = new WeakMap<IncomingMessage, Session>();

/** The session the middleware attached to this request. */
export function sessionOf(req: IncomingMessage): Session | undefined {
  return sessions.get(req);
}

export interface SessionAffinityOptions {
  store: SessionStore;
  instanceId: string;
  cookieName?: string;
  /** Paths that need no session (health checks, metrics). */
  skip?: (path: string) => boolean;
  sessionsCreated?: Counter;
}

function cookieHeader(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax`;
}

export function sessionAffinityMiddleware(options: SessionAffinityOptions) {
  const name = options.cookieName ?? SESSION_COOKIE;
  return async function sessionAffinity(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (options.skip?.(path)) return next();
    const cookie = readSessionCookie(req.headers.cookie, name);
    if (cookie.kind === 'malformed') {
      const body = JSON.stringify({
        error: 'bad_session_cookie',
        message: `malformed session cookie: ${cookie.reason}; it has been cleared, retry without it`,
      });
      res.writeHead(400, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'set-cookie': cookieHeader(name, '', 0),
      });
      res.end(body);
      return;
    }
    try {
      if (cookie.kind === 'valid' && (await options.store.exists(cookie.id))) {
        options.store.touch(cookie.id);
        sessions.set(req, { id: cookie.id, isNew: false });
      } else {
        const id = await options.store.create(options.instanceId);
        options.sessionsCreated?.inc();
        res.setHeader('set-cookie', cookieHeader(name, id, options.store.ttlSeconds));
        sessions.set(req, { id, isNew: true });
      }
    } catch (error) {
      return next(error);
    }
    next();
  };
}
