// The session routes: read the session, count visits, and store fields (Redis).
import { HttpError, readJsonBody, sendJson } from '../shared/http-kit';
import { answererOf, sessionRoute, type AppRoute, type AppRouteDeps } from './route-kit';

const DATA_KEY = /^[a-z][a-z0-9_]{0,31}$/;

/** The body's fields as the session stores them (data_<name>), each name and value checked. */
function sessionFields(body: Record<string, unknown>): Record<string, string> {
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
  return fields;
}

export function sessionRoutes(deps: AppRouteDeps): AppRoute[] {
  const me = answererOf(deps);
  return [
    sessionRoute('GET', /^\/api\/session$/, async (session, _req, res) =>
      sendJson(res, 200, { ...me, session: session.id, isNew: session.isNew, data: await deps.sessions.read(session.id) }),
    ),
    sessionRoute('POST', /^\/api\/session\/counter$/, async (session, _req, res) =>
      sendJson(res, 200, { ...me, session: session.id, visits: await deps.sessions.increment(session.id, 'visits') }),
    ),
    sessionRoute('PUT', /^\/api\/session\/data$/, async (session, req, res) => {
      const body = await readJsonBody(req, deps.maxBodyBytes);
      await deps.sessions.set(session.id, sessionFields(body));
      sendJson(res, 200, { ...me, session: session.id, stored: Object.keys(body) });
    }),
  ];
}
