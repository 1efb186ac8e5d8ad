// The security settings the issue requires, checked on the running stack and in the
// source: PostgreSQL SCRAM, a replication role that can only replicate and loopback-only
// pg_hba; a constant-time admin token check; no shell string built from input; names
// refused by the activities before they reach nginx, a file path or a process.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { Client as PgClient } from 'pg';
import { launchSettings } from '../../activities';
import { createNginxActivities } from '../../activities/routing/nginx';
import { createProcessOrchestrator } from '../../activities/scaling/process-orchestrator';
import { createAdminAuth } from '../../shared/admin-auth';
import { PG_NAMES, pgPort, waitClusterHealthy, withPg } from '../../testkit/pg-cluster';
import { repoRoot, stackSecrets, stateDir, testWorkerConfig } from '../../testkit/stack';

/** Every .ts file under the given top-level folders of the repository. */
function sourceFiles(...folders: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) out.push(full);
    }
  };
  for (const folder of folders) walk(path.join(repoRoot, folder));
  return out;
}

async function refusedNonRetryably(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(
    promise,
    (e: unknown) => e instanceof ApplicationFailure && e.nonRetryable === true && e.type === 'InvalidInput' && message.test(e.message),
  );
}

describe('PostgreSQL authentication', () => {
  it('uses scram-sha-256 everywhere, pg_hba is loopback-only with no trust, md5 or password rule', async () => {
    await waitClusterHealthy();
    for (const name of PG_NAMES) {
      await withPg(pgPort(name), 'postgres', async (pg) => {
        assert.equal((await pg.query('SHOW password_encryption')).rows[0].password_encryption, 'scram-sha-256', name);
        const rules = (await pg.query('SELECT type, database, user_name, address, netmask, auth_method, error FROM pg_hba_file_rules'))
          .rows;
        assert.ok(rules.length >= 3, `${name}: pg_hba has rules`);
        for (const rule of rules) {
          assert.equal(rule.error, null, `${name}: pg_hba rule ${JSON.stringify(rule)} has an error`);
          assert.ok(
            ['peer', 'scram-sha-256', 'reject'].includes(rule.auth_method),
            `${name}: ${JSON.stringify(rule)} uses ${rule.auth_method}`,
          );
          // Loopback: one address, or all of 127.0.0.0/8 (servers on simulated hosts such as 127.0.1.2).
          const loopback = ['127.0.0.1', '::1'].includes(rule.address) || (rule.address === '127.0.0.0' && rule.netmask === '255.0.0.0');
          if (rule.type !== 'local') assert.ok(loopback, `${name}: ${JSON.stringify(rule)} is not loopback`);
        }
        // Every role that has a password holds a SCRAM verifier, never an md5 hash.
        const passwords = (await pg.query('SELECT rolname, left(rolpassword, 14) AS kind FROM pg_authid WHERE rolpassword IS NOT NULL'))
          .rows;
        assert.ok(passwords.length >= 3, `${name}: postgres, replicator and jarvis have passwords`);
        for (const row of passwords) assert.equal(row.kind, 'SCRAM-SHA-256$', `${name}: ${row.rolname}`);
      });
    }
  });

  it('gives the replication role nothing but replication: no superuser, no database login, and the standbys stream with it', async () => {
    const primary = await waitClusterHealthy();
    await withPg(pgPort(primary), 'postgres', async (pg) => {
      const role = (
        await pg.query(
          "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication, rolinherit FROM pg_roles WHERE rolname = 'replicator'",
        )
      ).rows[0];
      assert.deepEqual(role, {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolbypassrls: false,
        rolreplication: true,
        rolinherit: false,
      });
      const memberships = (
        await pg.query(
          "SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'replicator'",
        )
      ).rows[0].n;
      assert.equal(memberships, 0, 'replicator belongs to no role');
      const streams = (await pg.query('SELECT DISTINCT usename FROM pg_stat_replication')).rows.map((r) => r.usename);
      assert.deepEqual(streams, ['replicator'], 'the standbys stream as replicator');
    });
    for (const database of ['jarvis', 'postgres']) {
      const pg = new PgClient({
        host: '127.0.0.1',
        port: pgPort(primary),
        user: 'replicator',
        password: stackSecrets().PG_REPLICATION_PASSWORD,
        database,
        connectionTimeoutMillis: 5000,
      });
      pg.on('error', () => undefined);
      await assert.rejects(
        pg.connect(),
        /pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "replicator", database/,
        `replicator logs into ${database}`,
      );
      await pg.end().catch(() => undefined);
    }
  });
});

describe('the admin token check', () => {
  it('compares in constant time: hashed to one length, then timingSafeEqual, in every server that checks the token', () => {
    const source = readFileSync(path.join(repoRoot, 'shared', 'admin-auth.ts'), 'utf8');
    assert.match(source, /timingSafeEqual\(digest\(sent\), expected\)/);
    for (const file of ['admin-api/main.ts', 'app/admin-routes.ts', 'app/instance-server.ts']) {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      if (/adminToken/.test(text)) assert.match(text, /createAdminAuth\(/, `${file} checks the token through createAdminAuth`);
    }
    // Nowhere is the token compared with === or !== (which stops at the first differing byte).
    for (const file of sourceFiles('app', 'shared', 'admin-api', 'workers', 'read-models', 'cli', 'activities', 'config')) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(
        text,
        /(adminToken|ADMIN_TOKEN|token)\s*[!=]==|[!=]==\s*(adminToken|ADMIN_TOKEN|token)\b/,
        `${path.relative(repoRoot, file)} compares a token with ===`,
      );
    }
  });

  it('accepts the token only, whatever the length or form of what is sent', () => {
    const token = 'a-real-token-of-32-characters-00';
    const auth = createAdminAuth(token);
    const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as never;
    assert.equal(auth.allows(req(`Bearer ${token}`)), true);
    for (const wrong of [
      undefined,
      '',
      'Bearer',
      `Bearer ${token.slice(0, -1)}1`,
      `Bearer ${token}0`,
      `Bearer ${token.slice(0, 3)}`,
      `Basic ${token}`,
      `Bearer ${'x'.repeat(10_000)}`,
    ]) {
      assert.equal(auth.allows(req(wrong)), false, `refuses ${String(wrong).slice(0, 40)}`);
    }
  });
});

describe('no shell string built from input', () => {
  it('runs every program with execFile/spawn and an argument array: no exec(), execSync(), shell: true or sh -c', () => {
    // The only `bash -c` allowed, each with its reason.
    const allowed: Record<string, string> = {
      'bench/pg-auto-failover-cluster.ts': 'a fixed script; its values are positional parameters ("$1"…), never part of the script text',
      'bench/peers/processes.ts':
        'a fixed script (run as postgres, output to a log); its values are positional parameters, never part of the script text',
      'testkit/docs-recipes.ts': "runs the docs' committed recipes as an operator would",
      'test/cli/docs-cli-recipes.test.ts': "runs the docs' committed recipes as an operator would",
      'test/integration/docs-troubleshooting-recipes.test.ts': "runs the runbook's committed recipes as an operator would",
      'test/kubernetes/docs-kubernetes-recipes.test.ts': "runs the Kubernetes page's committed recipes as an operator would",
      'test/security/hardening.test.ts': 'this test: the patterns it looks for',
      'test/pg/pg-tool-cancel.test.ts': 'stand-in tools: fixed scripts in the test, their marker passed as a positional parameter ("$1")',
    };
    const offenders: string[] = [];
    for (const file of sourceFiles(
      'activities',
      'workers',
      'read-models',
      'admin-api',
      'shared',
      'contracts',
      'cli',
      'app',
      'config',
      'policy',
      'workflows',
      'bench',
      'test',
      'testkit',
    )) {
      const text = readFileSync(file, 'utf8');
      const rel = path.relative(repoRoot, file);
      if (allowed[rel]) continue;
      if (/import\s*\{[^}]*\b(exec|execSync|spawnSync)\b[^}]*\}\s*from\s*'node:child_process'/.test(text))
        offenders.push(`${rel}: imports exec/execSync/spawnSync`);
      if (/\bshell\s*:\s*true\b/.test(text)) offenders.push(`${rel}: shell: true`);
      if (/['"](sh|bash)['"]\s*,\s*\[\s*['"]-c['"]/.test(text)) offenders.push(`${rel}: sh -c`);
    }
    assert.deepEqual(offenders, []);
    // The allowed script text is a literal: no template interpolation into it.
    assert.match(
      readFileSync(path.join(repoRoot, 'bench', 'pg-auto-failover-cluster.ts'), 'utf8'),
      /spawn\(\s*'bash',\s*\[\s*'-c',\s*'[^'$]*(\$\d[^'$]*|"\$\d"[^']*)*'/,
    );
  });

  it('the shell scripts never eval their input', () => {
    const scripts = ['infra/local', 'infra/redis', 'infra/postgres'].flatMap((dir) =>
      readdirSync(path.join(repoRoot, dir))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => path.join(repoRoot, dir, f)),
    );
    assert.ok(scripts.length >= 8);
    for (const script of scripts)
      assert.doesNotMatch(readFileSync(script, 'utf8'), /^\s*eval\s+["'$]/m, `${path.relative(repoRoot, script)} uses eval`);
  });
});

describe('activities refuse unsafe names themselves', () => {
  const config = testWorkerConfig();
  const nginx = createNginxActivities({ nginxBin: config.nginxBin, prefix: config.nginxPrefix });
  const upstreamFile = path.join(config.nginxPrefix, 'upstreams', 'jarvis-app.conf');

  it('nginx: no config injection through a member name, no path traversal through a service name', async () => {
    const before = readFileSync(upstreamFile, 'utf8');
    await refusedNonRetryably(
      nginx.ensureUpstreamMember('jarvis-app', { name: 'x; }\nserver 203.0.113.1:80;\n#', port: 3101 }),
      /unsafe instance name/,
    );
    await refusedNonRetryably(
      nginx.ensureUpstreamMember('../../../tmp/evil', { name: 'jarvis-app-1', port: 3101 }),
      /unsafe service name "\.\.\/\.\.\/\.\.\/tmp\/evil"/,
    );
    await refusedNonRetryably(nginx.removeUpstreamMember('jarvis-app', '../jarvis-app-1'), /unsafe instance name/);
    await refusedNonRetryably(nginx.ensureUpstreamMember('jarvis-app', { name: 'jarvis-app-1', port: 70_000 }), /unsafe port 70000/);
    assert.equal(readFileSync(upstreamFile, 'utf8'), before, 'the upstream file is unchanged');
  });

  it('process orchestrator: no process and no log file for an unsafe name or version', async () => {
    const orchestrator = createProcessOrchestrator({ ...launchSettings(config), logDir: config.logDir });
    const logsBefore = readdirSync(config.logDir).sort();
    const base = { service: 'jarvis-app', name: 'jarvis-app-9', port: 3999, version: 'v1' };
    await refusedNonRetryably(orchestrator.ensureInstanceStarted({ ...base, name: '../../../tmp/evil' }), /unsafe instance name/);
    await refusedNonRetryably(orchestrator.ensureInstanceStarted({ ...base, service: 'jarvis-app;reboot' }), /unsafe service name/);
    await refusedNonRetryably(orchestrator.ensureInstanceStarted({ ...base, version: '$(reboot)' }), /unsafe version/);
    assert.deepEqual(readdirSync(config.logDir).sort(), logsBefore, 'no log file was created');
    assert.ok(!(await orchestrator.listInstances('jarvis-app')).some((i) => i.name === 'jarvis-app-9'), 'no instance was started');
    assert.ok(statSync(stateDir).isDirectory());
  });
});
