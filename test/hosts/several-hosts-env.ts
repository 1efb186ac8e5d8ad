// Imported first by the several-hosts tests (before any testkit module reads the environment):
// points this test process, and the workers it starts, at a stack in the several-hosts shape
// (infra/local/several-hosts.sh), with a state folder of its own beside the test stack's.
// The shape comes from the script itself, run with a clean environment, so the test and the
// script cannot disagree and the CI stack's port variables cannot leak in.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const script = path.join(repoRoot, 'infra', 'local', 'several-hosts.sh');
export const stateDir = `${process.env.JARVIS_STATE_DIR ?? path.join(repoRoot, '.state-test')}-several-hosts`;

/** What the stack script needs besides the shape: no Docker (instances are processes), no second build. */
export const scriptEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  JARVIS_STATE_DIR: stateDir,
  JARVIS_WITHOUT_DOCKER: '1',
  JARVIS_SKIP_BUILD: '1',
  ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
};

const shape = Object.fromEntries(
  execFileSync('bash', [script, 'env'], { env: scriptEnv, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
);

// Settings that would point elsewhere than the shape: derived from it instead.
for (const name of ['PG_DATA_ROOT', 'PG_SOCKET_DIR', 'REDIS_CLUSTER_NODES', 'DATABASE_URL', 'READ_REPLICA_1_URL', 'READ_REPLICA_2_URL']) {
  delete process.env[name];
}
delete process.env.WORKER_SDK_METRICS_PORT;
Object.assign(process.env, shape, { ORCHESTRATOR: 'process', JARVIS_WITHOUT_DOCKER: '1' });

export const several = shape;
