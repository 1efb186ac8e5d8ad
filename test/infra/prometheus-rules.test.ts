// The alert rules are valid for Prometheus (promtool check rules), and each alert is
// unit-tested by promtool firing and not firing (promtool test rules).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ports } from '../../testkit/ports';
import { repoRoot } from '../../testkit/stack';
import { filesIn, runTool } from '../../testkit/tools';

const rulesDir = path.join(repoRoot, 'infra', 'prometheus', 'rules');
const testsDir = path.join(repoRoot, 'infra', 'prometheus', 'tests');

/** The seed's critical and warning alerts, each with the rule that carries it. */
const seedAlerts: Record<string, string> = {
  'all instances unhealthy': 'JarvisAllInstancesUnhealthy',
  'replication lag over 10 s': 'JarvisReplicationLagHigh',
  'a Redis Cluster node down': 'JarvisRedisNodeDown',
  'scaling failures': 'JarvisScalingFailures',
  'high CPU': 'JarvisHighCpu',
  'high memory': 'JarvisHighMemory',
  'error rate over 5 %': 'JarvisHighErrorRate',
  'responses over 200 ms': 'JarvisSlowResponses',
  'low available instances': 'JarvisLowAvailableInstances',
};

function alertNames(): string[] {
  return filesIn(rulesDir, '.yml').flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^\s*- alert: (\w+)\s*$/gm)].map((m) => m[1]));
}

/** For each alert, how many promtool cases expect it to fire and how many expect silence. */
function testedCases(): Map<string, { firing: number; silent: number }> {
  const cases = new Map<string, { firing: number; silent: number }>();
  for (const file of filesIn(testsDir, '.test.yml')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/alertname: (\w+)\s*\n\s*exp_alerts:(.*)\n/g)) {
      const entry = cases.get(m[1]) ?? { firing: 0, silent: 0 };
      if (m[2].trim() === '[]') entry.silent++;
      else entry.firing++;
      cases.set(m[1], entry);
    }
  }
  return cases;
}

describe('the Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const files = filesIn(rulesDir, '.yml');
    assert.ok(files.length > 0, `no rule files in ${rulesDir}`);
    const result = await runTool('promtool', ['check', 'rules', ...files]);
    assert.equal(result.code, 0, `promtool check rules failed:\n${result.stdout}${result.stderr}`);
    assert.doesNotMatch(result.stdout + result.stderr, /FAILED|WARNING/, result.stdout + result.stderr);
  });

  it('pass their promtool unit tests', async () => {
    const files = filesIn(testsDir, '.test.yml');
    assert.ok(files.length > 0, `no test files in ${testsDir}`);
    const result = await runTool('promtool', ['test', 'rules', ...files], { cwd: testsDir });
    assert.equal(result.code, 0, `promtool test rules failed:\n${result.stdout}${result.stderr}`);
    assert.equal((result.stdout.match(/SUCCESS/g) ?? []).length, files.length, result.stdout);
  });

  it("cover each of the seed's alerts, each unit-tested both firing and not firing", () => {
    const names = alertNames();
    assert.equal(new Set(names).size, names.length, `duplicate alert names: ${names.join(', ')}`);
    for (const [seedAlert, rule] of Object.entries(seedAlerts))
      assert.ok(names.includes(rule), `the seed's "${seedAlert}" alert has no rule ${rule}`);
    const cases = testedCases();
    for (const name of names) {
      const entry = cases.get(name);
      assert.ok(entry && entry.firing > 0, `${name} has no promtool case where it fires`);
      assert.ok(entry.silent > 0, `${name} has no promtool case where it stays silent`);
    }
  });

  it('are all loaded by the live Prometheus of the stack', async () => {
    // prometheus.yml.template loads infra/prometheus/rules/*.yml; a file it cannot parse is left out.
    const response = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/rules?type=alert`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const loaded = body.data.groups.flatMap((group) => group.rules);
    assert.deepEqual(loaded.map((rule) => rule.name).sort(), alertNames().sort());
    for (const rule of loaded) assert.notEqual(rule.health, 'err', `${rule.name} evaluates without error`);
  });
});
