// The deployment files beyond Compose and Swarm (compose-swarm-files.test.ts), checked
// with the real tools that run here without a Docker daemon or the network:
// kubernetes-validate (PyPI, ships its schemas), nginx -t and promtool check config, and
// the image's Dockerfile and entrypoint; plus no secret written inline in any of them.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../testkit/stack';
import { filesIn, runTool } from '../../testkit/tools';
import { composeFile, k8sDir, scratchFolder, swarmFile } from './deployment-kit';

const scratch = scratchFolder();

function k8sValidatorPath(): Promise<string> {
  return runTool('bash', [path.join(repoRoot, 'infra', 'local', 'install-deps.sh'), 'k8s-validate-path']).then((r) => r.stdout.trim());
}

/** Lines that set a secret-looking variable to a literal value rather than a file or a reference. */
function inlineSecrets(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^\s*-?\s*[A-Z_]*(PASSWORD|TOKEN|SECRET|PWD)[A-Z_]*\s*[:=]\s*\S/.test(line))
    .filter((line) => !/_FILE\s*:\s*\/run\/secrets\//.test(line));
}

describe('the deployment files', () => {
  after(scratch.remove);

  it('the Kubernetes manifests pass kubernetes-validate --strict, and a broken one does not', async () => {
    const validator = await k8sValidatorPath();
    assert.ok(existsSync(validator), `kubernetes-validate is installed by infra/local/install-deps.sh at ${validator}`);
    const manifests = filesIn(k8sDir, '.yaml');
    const result = await runTool(validator, ['--strict', ...manifests]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    for (const resource of [
      'deployment/jarvis-worker',
      'deployment/jarvis-app',
      'service/jarvis-app',
      'service/jarvis-worker',
      'role/jarvis-worker',
      'configmap/jarvis-config',
    ]) {
      assert.match(result.stdout + result.stderr, new RegExp(`passed for resource ${resource} `), `${resource} was validated`);
    }
    const broken = path.join(scratch.dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(path.join(k8sDir, 'app-deployment.yaml'), 'utf8').replace('replicas: 3', 'replicas: three'));
    const refused = await runTool(validator, ['--strict', broken]);
    assert.notEqual(refused.code, 0, refused.stdout + refused.stderr);
    assert.match(refused.stdout + refused.stderr, /spec\.replicas/);
  });

  it('keeps every secret out of the files: Docker secrets, Kubernetes secret references, ignored secret folders', () => {
    for (const file of [composeFile, swarmFile, ...filesIn(k8sDir, '.yaml')]) {
      assert.deepEqual(inlineSecrets(readFileSync(file, 'utf8')), [], `${path.relative(repoRoot, file)} sets a secret inline`);
    }
    for (const file of filesIn(k8sDir, '.yaml'))
      assert.doesNotMatch(readFileSync(file, 'utf8'), /^kind: Secret$/m, `${file} holds a Secret`);
    assert.match(readFileSync(path.join(repoRoot, '.gitignore'), 'utf8'), /^secrets\/$/m);
    assert.match(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'), /^secrets$/m);
    // The check itself catches an inline password.
    assert.equal(inlineSecrets('      REDIS_PASSWORD: hunter2\n').length, 1);
  });

  it("the image's entrypoint turns secret files into variables, and an explicit variable wins", async () => {
    const secrets = path.join(scratch.dir, 'run-secrets');
    mkdirSync(secrets);
    writeFileSync(path.join(secrets, 'redis_password'), 'from-file\n');
    writeFileSync(path.join(secrets, 'admin_token'), 'from-file');
    writeFileSync(path.join(secrets, 'not a name'), 'ignored');
    const result = await runTool(
      'sh',
      [path.join(repoRoot, 'infra', 'docker', 'secrets-entrypoint.sh'), 'sh', '-c', 'printf "%s|%s" "$REDIS_PASSWORD" "$ADMIN_TOKEN"'],
      {
        env: { PATH: process.env.PATH, JARVIS_SECRETS_DIR: secrets, ADMIN_TOKEN: 'explicit' },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'from-file|explicit');
  });

  it('the Dockerfile copies only what exists and starts what the build produces', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'infra', 'docker', 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM \S+(?: AS (\S+))?$/gm)].map((m) => m[1]).filter(Boolean);
    for (const m of dockerfile.matchAll(/^COPY --from=(\S+)/gm)) assert.ok(stages.includes(m[1]), `COPY --from=${m[1]} names a stage`);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      if (m[1] !== '.') assert.ok(existsSync(path.join(repoRoot, m[1])), `the Dockerfile copies ${m[1]}, which does not exist`);
    }
    accessSync(path.join(repoRoot, 'infra', 'docker', 'secrets-entrypoint.sh'), constants.X_OK);
    // The commands the image and the deployment files run are what npm run build makes.
    for (const entry of ['dist/app/server.js', 'dist/workers/main.js'])
      assert.ok(existsSync(path.join(repoRoot, entry)), `${entry} is built`);
    assert.match(dockerfile, /CMD \["node", "dist\/app\/server\.js"\]/);
  });

  it("nginx accepts the Compose and Swarm stacks' configurations (nginx -t; the Swarm one through the worker's NGINX_BIN)", async () => {
    for (const name of ['nginx.compose.conf', 'nginx.swarm.conf']) {
      const prefix = path.join(scratch.dir, `nginx-${name}`);
      mkdirSync(path.join(prefix, 'upstreams'), { recursive: true });
      mkdirSync(path.join(prefix, 'tmp'));
      copyFileSync(path.join(repoRoot, 'infra', 'nginx', name), path.join(prefix, 'nginx.conf'));
      writeFileSync(path.join(prefix, 'upstreams', 'jarvis-app.conf'), 'upstream jarvis-app {\n    server 127.0.0.1:3101;\n}\n');
      const nginx = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
      const args = ['-t', '-p', prefix, '-c', path.join(prefix, 'nginx.conf')];
      const result =
        name === 'nginx.swarm.conf'
          ? await runTool(path.join(repoRoot, 'infra', 'nginx', 'swarm-nginx-bin.js'), args, {
              env: { ...process.env, NGINX_REAL_BIN: nginx },
            })
          : await runTool(nginx, args);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /test is successful/, name);
    }
    // nginx -t does fail on a broken file, so the check above can fail.
    const broken = path.join(scratch.dir, 'nginx-broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'nginx.conf'), 'events {}\nhttp { server { listen 127.0.0.1:8080; proxy_pass; } }\n');
    const refused = await runTool(
      path.join(repoRoot, 'infra', 'nginx', 'swarm-nginx-bin.js'),
      ['-t', '-p', broken, '-c', path.join(broken, 'nginx.conf')],
      { env: { ...process.env, NGINX_REAL_BIN: process.env.NGINX_BIN ?? '/usr/sbin/nginx' } },
    );
    assert.notEqual(refused.code, 0, refused.stderr);
  });

  it("promtool accepts the Compose and Swarm stacks' Prometheus configurations", async () => {
    for (const name of ['prometheus.compose.yml', 'prometheus.swarm.yml']) {
      const result = await runTool('promtool', ['check', 'config', path.join(repoRoot, 'infra', 'prometheus', name)]);
      assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
    }
  });
});
