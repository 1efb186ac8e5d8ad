// Bearer-token check for the admin endpoints. Both sides are hashed to the same length
// first, so timingSafeEqual compares in constant time whatever the caller sent.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function createAdminAuth(token: string) {
  const expected = digest(token);
  return {
    /** True when the request carries "Authorization: Bearer <token>" with the right token. */
    allows(req: IncomingMessage): boolean {
      const header = req.headers.authorization;
      if (typeof header !== 'string') return false;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const sent = match ? match[1] : '';
      // Compare even when the header is malformed, so its timing says nothing.
      const same = timingSafeEqual(digest(sent), expected);
      return match !== null && same;
    },
  };
}
