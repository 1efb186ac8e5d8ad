// `stack.sh down` removes only its own stack's app containers and Swarm services, through
// remove-leftover-containers.sh. Checked with a fake `docker` on PATH that plays an engine
// holding two stacks' containers and services and logs what it is asked to remove, so no
// Docker engine is needed.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';

const script = path.join(repoRoot, 'infra', 'docker', 'remove-leftover-containers.sh');
const dir = mkdtempSync(path.join(tmpdir(), 'fake-docker-'));
const ours = path.join(dir, 'stack-a');
const theirs = path.join(dir, 'stack-b');
const removed = path.join(dir, 'removed.log');

// ID STATE STACK, as `docker ps -a --format '{{.ID}} {{.State}} {{.Label "jarvis.stack"}}'` prints them.
const containers = [
  `c-ours-running running ${ours}`,
  `c-ours-exited exited ${ours}`,
  `c-theirs-running running ${theirs}`,
  `c-theirs-exited exited ${theirs}`,
  'c-unlabelled-running running ',
];
const fakeDocker = `#!/usr/bin/env bash
case "$1 $2" in
  "ps -a") printf '%s\\n' ${containers.map((c) => `'${c}'`).join(' ')} ;;
  "rm -f") shift 2; echo "container $*" >> ${removed} ;;
  "info --format") echo true ;;
  "service ls") printf 's-ours\\ns-theirs\\n' ;;
  "service inspect")
    case "\${@: -1}" in
      s-ours) printf 'SERVICE_NAME=jarvis-app\\nJARVIS_STACK_ID=${ours}\\n' ;;
      s-theirs) printf 'SERVICE_NAME=jarvis-app\\nJARVIS_STACK_ID=${theirs}\\n' ;;
    esac ;;
  "service rm") shift 2; echo "service $*" >> ${removed} ;;
  *) echo "fake docker: unexpected $*" >&2; exit 64 ;;
esac
`;
writeFileSync(path.join(dir, 'docker'), fakeDocker);
chmodSync(path.join(dir, 'docker'), 0o755);

async function removals(mode: string): Promise<string[]> {
  rmSync(removed, { force: true });
  const result = await runTool('bash', [script, mode], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, JARVIS_STATE_DIR: ours },
  });
  assert.equal(result.code, 0, `remove-leftover-containers.sh ${mode} failed: ${result.stderr}`);
  let text = '';
  try {
    text = readFileSync(removed, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .flatMap((line) => {
      const [kind, ...ids] = line.split(' ');
      return ids.map((id) => `${kind} ${id}`);
    });
}

describe("stack.sh down leaves another stack's containers alone", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('removes this stack’s containers, running or not, and its Swarm service only ("own", used by down)', async () => {
    assert.deepEqual((await removals('own')).sort(), ['container c-ours-exited', 'container c-ours-running', 'service s-ours']);
  });

  it('removes what a dead run left and this stack’s running ones before the tests ("all")', async () => {
    assert.deepEqual((await removals('all')).sort(), [
      'container c-ours-exited',
      'container c-ours-running',
      'container c-theirs-exited',
      'container c-unlabelled-running',
      'service s-ours',
    ]);
  });

  it('removes only stopped and unlabelled containers before an up ("stopped")', async () => {
    assert.deepEqual((await removals('stopped')).sort(), [
      'container c-ours-exited',
      'container c-theirs-exited',
      'container c-unlabelled-running',
    ]);
  });
});
