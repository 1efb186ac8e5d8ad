// The engine's data outlives a crash or a reboot, so a new run can meet app containers a
// dead run left. The stack removes them before it starts anything: stopped ones of any
// stack and unlabelled ones always, this stack's running ones only for the tests' empty
// platform ("all"), and never a live container of another stack.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Dockerode from 'dockerode';
import { chooseOrchestrator } from '../../activities/scaling/orchestrator-choice';
import { repoRoot, stateDir, testWorkerConfig } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';

const script = path.join(repoRoot, 'infra', 'docker', 'remove-leftover-containers.sh');
const SERVICE = 'jarvis-leftover-test';
const HOST_MOUNTS = ['/usr', '/lib', '/lib64', '/bin'].map((dir) => `${dir}:${dir}:ro`);

interface Leftover {
  name: string;
  stack?: string;
  running: boolean;
}

const leftovers: Leftover[] = [
  { name: 'leftover-stopped-unlabelled', running: false },
  { name: 'leftover-running-unlabelled', running: true },
  { name: 'leftover-stopped-other-stack', stack: '/elsewhere/.state', running: false },
  { name: 'leftover-running-other-stack', stack: '/elsewhere/.state', running: true },
  { name: 'leftover-stopped-this-stack', stack: stateDir, running: false },
  { name: 'leftover-running-this-stack', stack: stateDir, running: true },
];

describe('leftover app containers on the engine', () => {
  const config = testWorkerConfig();
  const docker = new Dockerode({ socketPath: config.dockerSocket });
  let engine = false;

  const present = async () =>
    (await docker.listContainers({ all: true, filters: { label: [`jarvis.service=${SERVICE}`] } }))
      .map((c) => c.Names[0].replace(/^\//, ''))
      .sort();
  const removeAll = async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`jarvis.service=${SERVICE}`] } }))
      await docker.getContainer(c.Id).remove({ force: true });
  };
  const runScript = (mode: string) => runTool('bash', [script, mode], { env: { ...process.env, JARVIS_STATE_DIR: stateDir } });

  before(async () => {
    engine = (await chooseOrchestrator({ ...config, orchestrator: 'auto' }, docker)) === 'docker';
    if (!engine) return;
    await removeAll();
    for (const leftover of leftovers) {
      const labels: Record<string, string> = { 'jarvis.service': SERVICE, 'jarvis.port': '0', 'jarvis.version': 'v0' };
      if (leftover.stack) labels['jarvis.stack'] = leftover.stack;
      const container = await docker.createContainer({
        name: leftover.name,
        Image: config.appImage,
        Cmd: ['/usr/bin/sleep', '300'],
        Labels: labels,
        HostConfig: { NetworkMode: 'host', Binds: HOST_MOUNTS, RestartPolicy: { Name: 'no' } },
      });
      if (leftover.running) await container.start();
    }
  });
  after(async () => {
    if (engine) await removeAll();
  });

  it('"stopped" removes the stopped and unlabelled ones, and keeps the running ones of either stack', async (t) => {
    if (!engine) {
      process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
      return t.skip('no Docker Engine');
    }
    assert.equal((await present()).length, leftovers.length, 'every leftover was made');
    const result = await runScript('stopped');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout + result.stderr, /removed 4 app container\(s\) \(stopped\)/);
    assert.deepEqual(await present(), ['leftover-running-other-stack', 'leftover-running-this-stack']);
  });

  it('"all" also removes this stack\'s running one, and never another stack\'s live one', async (t) => {
    if (!engine) {
      process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
      return t.skip('no Docker Engine');
    }
    const result = await runScript('all');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await present(), ['leftover-running-other-stack']);
    const again = await runScript('all');
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout + again.stderr, /removed/, 'a second run has nothing to remove');
    assert.deepEqual(await present(), ['leftover-running-other-stack']);
  });

  it('refuses an unknown mode with its usage and removes nothing', async (t) => {
    if (!engine) {
      process.stdout.write(`# skipped: no Docker Engine answers on ${config.dockerSocket}\n`);
      return t.skip('no Docker Engine');
    }
    const before = await present();
    const result = await runScript('everything');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: .*stopped\|all/);
    assert.deepEqual(await present(), before);
  });
});
