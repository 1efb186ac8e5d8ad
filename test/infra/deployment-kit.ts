// What the deployment-file tests share: where the files are, a scratch folder per test
// file, and docker-compose config as a tool call.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';

export const composeFile = path.join(repoRoot, 'docker-compose.yml');
export const swarmFile = path.join(repoRoot, 'infra', 'docker', 'docker-compose.swarm.yml');
export const k8sDir = path.join(repoRoot, 'infra', 'k8s');

/** A fresh folder under the system's temp folder, and a function that removes it (for after()). */
export function scratchFolder(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jarvis-deploy-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The variables the Compose and Swarm files read when deployed, such as the test stack's APP_BASE_PORT. */
const DEPLOY_VARIABLES = [
  'APP_BASE_PORT',
  'DATABASE_URL',
  'READ_REPLICA_1_URL',
  'READ_REPLICA_2_URL',
  'REDIS_CLUSTER_NODES',
  'REGISTRY',
  'JARVIS_VERSION',
  'MIN_INSTANCES',
  'MAX_INSTANCES',
  'AUTOSCALE_ENABLED',
  'SCALE_UP_THRESHOLD',
  'SCALE_DOWN_THRESHOLD',
  'COOLDOWN_PERIOD',
];

/** This environment without those variables, so that the files' own defaults are what is checked. */
export function fileDefaultsEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !DEPLOY_VARIABLES.includes(name)));
}

export async function composeConfig(file: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  const result = await runTool('docker-compose', ['-f', file, 'config', ...extra], { cwd: path.dirname(file), env: fileDefaultsEnv() });
  return { code: result.code, out: result.stdout + result.stderr };
}
