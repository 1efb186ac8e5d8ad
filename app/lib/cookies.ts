// Pure cookie helpers: parse a Cookie header and check the session id's shape.

export const SESSION_COOKIE = 'jarvis_sid';
const SESSION_ID = /^[0-9a-f]{32}$/;

export type SessionCookie = { kind: 'none' } | { kind: 'valid'; id: string } | { kind: 'malformed'; reason: string };

/** Cookie name → value, first occurrence wins. Pairs without "=" are skipped, as browsers do. */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function readSessionCookie(header: string | undefined, name = SESSION_COOKIE): SessionCookie {
  const value = parseCookieHeader(header).get(name);
  if (value === undefined) return { kind: 'none' };
  if (!SESSION_ID.test(value)) return { kind: 'malformed', reason: `cookie ${name} must be 32 lowercase hex characters` };
  return { kind: 'valid', id: value };
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
