// A job run under a distributed lock, whose write is fenced: the database accepts it only
// when the lock's fencing token is newer than the last accepted one.
import { HttpError, sendJson } from '../shared/http-kit';
import { LockNotAcquiredError } from './lib/distributed-lock';
import { answererOf, type AppRoute, type AppRouteDeps } from './route-kit';

const JOB_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Runs the job once under its lock; 409 when another instance holds it. */
async function runJob(deps: AppRouteDeps, name: string) {
  try {
    return await deps.locks.withLock(
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
  } catch (error) {
    if (error instanceof LockNotAcquiredError) throw new HttpError(409, 'job_running', error.message);
    throw error;
  }
}

export function jobRoutes(deps: AppRouteDeps): AppRoute[] {
  const me = answererOf(deps);
  return [
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/run$/,
      session: false,
      handler: async (_req, res, _url, params) => {
        const name = params[0];
        if (!JOB_NAME.test(name)) throw new HttpError(400, 'bad_job', 'job name must be lowercase letters, digits and dashes');
        sendJson(res, 200, { ...me, job: name, ...(await runJob(deps, name)) });
      },
    },
  ];
}
