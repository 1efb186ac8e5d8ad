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

export async function composeConfig(file: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  const result = await runTool('docker-compose', ['-f', file, 'config', ...extra], { cwd: path.dirname(file) });
  return { code: result.code, out: result.stdout + result.stderr };
}
