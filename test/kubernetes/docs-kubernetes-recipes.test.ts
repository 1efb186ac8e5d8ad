// Runs the recipes of docs/kubernetes.md as written, each block as one bash script (a
// reader types them into one shell, so an export carries to the next line).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { docsRecipe } from '../../testkit/docs-recipes';
import { appPods, controlPlane, resetApp } from '../../testkit/kubernetes';
import { repoRoot, stateDir } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';

async function runRecipe(name: string): Promise<string> {
  const script = ['set -euo pipefail', ...docsRecipe('kubernetes.md', name)].join('\n');
  const result = await runTool('bash', ['-c', script], {
    cwd: repoRoot,
    env: { ...process.env, JARVIS_STATE_DIR: stateDir },
    timeoutMs: 180_000,
  });
  assert.equal(result.code, 0, `recipe ${name} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

describe('the recipes of docs/kubernetes.md', () => {
  before(async () => {
    await controlPlane();
    await resetApp(3);
  });

  it('k8s-control-plane: builds (cached) and starts the control plane, or finds it running', async () => {
    const out = await runRecipe('k8s-control-plane');
    assert.match(out, /kube-apiserver: running/);
    assert.match(out, /API https:\/\/127\.0\.0\.1:\d+: ready/);
  });

  it("k8s-seed: the seed's kubectl commands, no -n", async () => {
    const out = await runRecipe('k8s-seed');
    assert.match(out, /jarvis-app\s+\d\/\d/);
    assert.match(out, /successfully rolled out/);
    const pods = await appPods();
    assert.deepEqual(
      pods.map((p) => p.image),
      Array(5).fill('jarvis-ai:2.0.0'),
    );
  });

  it('k8s-rbac: the worker may patch the scale, may not delete Pods', async () => {
    assert.match(await runRecipe('k8s-rbac'), /^yes\nno\n$/);
  });
});
