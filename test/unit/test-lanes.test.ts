// The test runner's lanes (testkit/lane.ts): which files must run on lane A, the order that
// spreads them, and the lane B settings file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsLaneA, needsNoLane, orderForLanes, parseEnvFile } from '../../testkit/lane';

describe('test lanes', () => {
  it('keeps the Docker, Kubernetes, several-hosts and chaos files on lane A', () => {
    const cases: Array<[string, boolean]> = [
      ['dist/test/kubernetes/kubernetes-driver.test.js', true],
      ['dist/test/hosts/several-hosts.test.js', true],
      ['dist/test/chaos/chaos.test.js', true],
      ['dist/test/workflows/swarm-stack.test.js', true],
      ['dist/test/workflows/scaling-crash-points.test.js', true],
      ['dist/test/infra/leftover-containers.test.js', true],
      ['dist/test/pg/pg-docs-recipe.test.js', true],
      ['dist/test/workflows/docs-scaling-recipes.test.js', true],
      ['dist/test/workflows/scale-down.test.js', false],
      ['dist/test/pg/pg-switchover.test.js', false],
      ['dist/test/unit/bounds.test.js', false],
    ];
    for (const [file, onlyA] of cases) assert.equal(needsLaneA(`/repo/${file}`), onlyA, file);
  });

  it('lets the unit and replay files run beside both lanes, and no file that uses a stack', () => {
    const cases: Array<[string, boolean]> = [
      ['dist/test/unit/bounds.test.js', true],
      ['dist/test/replay/replay.test.js', true],
      ['dist/test/pg/pg-switchover.test.js', false],
      ['dist/test/chaos/chaos.test.js', false],
      ['dist/test/integration/unit-of-work.test.js', false],
    ];
    for (const [file, free] of cases) assert.equal(needsNoLane(`/repo/${file}`), free, file);
  });

  it('starts the longest lane-A files first and the Kubernetes files last', () => {
    const ordered = orderForLanes([
      '/r/test/kubernetes/k.test.js',
      '/r/test/infra/leftover-containers.test.js',
      '/r/test/workflows/scaling-crash-points.test.js',
      '/r/test/chaos/chaos.test.js',
    ]).filter(needsLaneA);
    assert.deepEqual(ordered, [
      '/r/test/workflows/scaling-crash-points.test.js',
      '/r/test/chaos/chaos.test.js',
      '/r/test/infra/leftover-containers.test.js',
      '/r/test/kubernetes/k.test.js',
    ]);
  });

  it('spreads the lane-A files through the list and keeps every file once', () => {
    const files = [
      '/r/test/chaos/a.test.js',
      '/r/test/infra/leftover-containers.test.js',
      ...['c', 'd', 'e', 'f'].map((n) => `/r/test/pg/${n}.test.js`),
    ];
    const ordered = orderForLanes(files);
    assert.deepEqual([...ordered].sort(), [...files].sort());
    assert.deepEqual(ordered, [
      '/r/test/chaos/a.test.js',
      '/r/test/pg/c.test.js',
      '/r/test/pg/d.test.js',
      '/r/test/infra/leftover-containers.test.js',
      '/r/test/pg/e.test.js',
      '/r/test/pg/f.test.js',
    ]);
    assert.deepEqual(orderForLanes(['/r/test/pg/c.test.js']), ['/r/test/pg/c.test.js']);
    const kubernetesLast = orderForLanes(['/r/test/kubernetes/k.test.js', '/r/test/chaos/a.test.js', '/r/test/pg/c.test.js']);
    assert.deepEqual(kubernetesLast, ['/r/test/chaos/a.test.js', '/r/test/pg/c.test.js', '/r/test/kubernetes/k.test.js']);
  });

  it('reads KEY=VALUE lines and ignores anything else', () => {
    assert.deepEqual(parseEnvFile('JARVIS_STATE_DIR=/x/.state-test-b\nTEMPORAL_PORT=17933\n# a comment\n\nbad line\n'), {
      JARVIS_STATE_DIR: '/x/.state-test-b',
      TEMPORAL_PORT: '17933',
    });
  });
});
