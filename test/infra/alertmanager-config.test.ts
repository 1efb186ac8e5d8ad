// The Alertmanager configurations, checked with Debian's amtool: the local stack's template
// (as alertmanager.sh renders it) and the Compose/Swarm file pass check-config and route
// critical alerts to the pager and warnings to the other receiver; and a configuration naming
// a receiver that does not exist is refused at start, with amtool's message, nothing started.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';
import { scratchFolder } from './deployment-kit';

const scratch = scratchFolder();
const promDir = path.join(repoRoot, 'infra', 'prometheus');

function renderedLocalTemplate(): string {
  const file = path.join(scratch.dir, 'alertmanager.local.yml');
  writeFileSync(file, readFileSync(path.join(promDir, 'alertmanager.yml.template'), 'utf8').replaceAll('@ALERT_RECEIVER_PORT@', '9095'));
  return file;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('the Alertmanager configurations', () => {
  after(() => scratch.remove());

  for (const [name, file] of [
    ['the local stack template', renderedLocalTemplate],
    ['the Compose and Swarm file', () => path.join(promDir, 'alertmanager.compose.yml')],
  ] as const) {
    it(`${name} passes amtool check-config and routes critical to the pager, warning elsewhere`, async () => {
      const config = file();
      const check = await runTool('amtool', ['check-config', config]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      const route = async (severity: string) =>
        (await runTool('amtool', ['config', 'routes', 'test', '--config.file', config, `severity=${severity}`])).stdout.trim();
      assert.equal(await route('critical'), 'pager-critical');
      assert.equal(await route('warning'), 'pager-warning');
    });
  }

  it('refuses at start a configuration whose route names an unknown receiver, starting nothing', async () => {
    const bad = path.join(scratch.dir, 'bad.yml.template');
    writeFileSync(
      bad,
      readFileSync(path.join(promDir, 'alertmanager.yml.template'), 'utf8').replace(
        /(matchers: \['severity="critical"'\]\n\s+receiver: )pager-critical/,
        '$1pager-nobody',
      ),
    );
    assert.match(readFileSync(bad, 'utf8'), /pager-nobody/);
    const stateDir = path.join(scratch.dir, 'state');
    // Ports of their own, well clear of any stack's: the start must fail before it binds them.
    const [amPort, receiverPort] = [19393, 19395];
    const result = await runTool('bash', [path.join(promDir, 'alertmanager.sh'), 'start'], {
      env: {
        ...process.env,
        JARVIS_STATE_DIR: stateDir,
        ALERTMANAGER_CONFIG_TEMPLATE: bad,
        ALERTMANAGER_PORT: String(amPort),
        ALERT_RECEIVER_PORT: String(receiverPort),
      },
    });
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /the Alertmanager configuration .*bad\.yml\.template is invalid, nothing started: undefined receiver "pager-nobody" used in route/,
    );
    assert.equal(await portOpen(amPort), false, 'no Alertmanager listens');
    assert.equal(await portOpen(receiverPort), false, 'no receiver listens');
    assert.equal(existsSync(path.join(stateDir, 'alertmanager', 'alertmanager.pid')), false);
    assert.equal(existsSync(path.join(stateDir, 'alertmanager', 'alertmanager.yml')), false, 'no configuration was written');
  });
});
