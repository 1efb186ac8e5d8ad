// The Compose and Swarm files, checked with the real tools that run here without a Docker
// daemon or the network: docker-compose config (Debian's docker-compose) and docker stack
// config (the docker CLI, pointed at a socket that does not exist), and the Swarm file
// against what the worker's Swarm driver expects. Building the image and starting the
// stacks need a Docker Engine and a registry, so they are not done here. The other
// deployment files (Kubernetes, the image, nginx, Prometheus) are in deployment-files.test.ts.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { APP_VERSION_TEMPLATE } from '../../activities/scaling/swarm-service';
import { repoRoot } from '../../testkit/stack';
import { runTool } from '../../testkit/tools';
import { composeConfig, composeFile, fileDefaultsEnv, scratchFolder, swarmFile } from './deployment-kit';

const scratch = scratchFolder();
// No daemon: docker stack config must work from the file alone, and never reach the shared engine.
const noDaemon = { ...fileDefaultsEnv(), DOCKER_HOST: `unix://${path.join(scratch.dir, 'no-docker.sock')}` };

const composeServices = [
  'alert-receiver',
  'alertmanager',
  'grafana',
  'jarvis-app-1',
  'jarvis-app-2',
  'jarvis-app-3',
  'nginx',
  'pg-primary',
  'pg-replica1',
  'pg-replica2',
  'prometheus',
  'redis-1',
  'redis-2',
  'redis-3',
  'redis-4',
  'redis-5',
  'redis-6',
  'redis-cluster-create',
  'temporal',
  'temporal-postgresql',
  'temporal-setup',
  'temporal-ui',
  'worker',
];
const swarmServices = composeServices
  .filter((s) => !/^jarvis-app-\d$/.test(s))
  .concat('app')
  .sort();

/** The service names of a resolved compose file (docker-compose config prints them at indent 2 under services:). */
function servicesOf(resolved: string): string[] {
  const block = resolved.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...block.matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]).sort();
}

/** Each service's block of a resolved compose file (docker-compose config / docker stack config output). */
function serviceBlocks(resolved: string): Map<string, string> {
  const block = resolved.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  const blocks = new Map<string, string>();
  for (const part of block.split(/^(?= {2}[\w-]+:$)/m)) {
    const name = /^ {2}([\w-]+):$/m.exec(part)?.[1];
    if (name) blocks.set(name, part);
  }
  return blocks;
}

/** A variable of a service block's environment, as the resolved file prints it (quotes removed). */
function envOf(block: string, name: string): string | undefined {
  const value = new RegExp(`^ {6}${name}: (.*)$`, 'm').exec(block.split(/^ {4}environment:$/m)[1]?.split(/^ {4}\S/m)[0] ?? '')?.[1];
  return value?.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
}

describe('the Compose and Swarm files', () => {
  after(scratch.remove);

  it('docker-compose.yml passes docker-compose config and holds the whole stack', async () => {
    const resolved = await composeConfig(composeFile);
    assert.equal(resolved.code, 0, resolved.out);
    assert.deepEqual(servicesOf(resolved.out), composeServices);
    assert.match(resolved.out, /GF_SERVER_HTTP_PORT: '3001'/, 'Grafana listens on 3001');
    // Every file the stack bind-mounts from the repository exists.
    const mounts = [...resolved.out.matchAll(/- (\/[^:\s]+):\/[^\s]*/g)].map((m) => m[1]).filter((p) => p.startsWith(repoRoot));
    assert.ok(mounts.length >= 6, `bind mounts from the repository: ${mounts.join(', ')}`);
    for (const mount of mounts) assert.ok(existsSync(mount), `docker-compose.yml mounts ${mount}, which does not exist`);
  });

  it('docker-compose config rejects a broken file, so the check above can fail', async () => {
    const broken = path.join(scratch.dir, 'broken-compose.yml');
    writeFileSync(broken, 'services:\n  app:\n    image: x\n    restartt: always\n');
    const result = await composeConfig(broken, '-q');
    assert.notEqual(result.code, 0, result.out);
    assert.match(result.out, /restartt/);
  });

  it('the Swarm file passes docker stack config (no daemon) and docker-compose config', async (t) => {
    const check = await composeConfig(swarmFile, '-q');
    assert.equal(check.code, 0, check.out);
    // docker stack config came with docker CLI 23; Debian's docker.io 20.10 lacks it, the machine's 28.x has it.
    const help = await runTool('docker', ['stack', 'config', '--help'], { env: noDaemon });
    const supported = help.code === 0 && help.stdout.includes('--compose-file');
    if (!supported) {
      const version = (await runTool('docker', ['--version'], { env: noDaemon })).stdout.trim();
      t.diagnostic(
        `docker stack config not checked: the docker on PATH (${version}) has no "stack config"; docker-compose config checked the Swarm file`,
      );
      return;
    }
    const stack = await runTool('docker', ['stack', 'config', '-c', swarmFile], { env: noDaemon, cwd: path.dirname(swarmFile) });
    assert.equal(stack.code, 0, stack.stdout + stack.stderr);
    assert.match(stack.stdout, /replicas: 3/);
    assert.deepEqual(servicesOf(stack.stdout), swarmServices);
    // The top-level file uses Compose-only features (depends_on conditions), which Swarm refuses:
    // proof that docker stack config does check what it reads.
    const refused = await runTool('docker', ['stack', 'config', '-c', composeFile], { env: noDaemon, cwd: repoRoot });
    assert.notEqual(refused.code, 0, 'docker stack config refuses docker-compose.yml');
  });

  it("the Swarm file matches the worker's Swarm driver: host network, loopback only, the app service the worker adopts", async () => {
    const resolved = await composeConfig(swarmFile);
    assert.equal(resolved.code, 0, resolved.out);
    const blocks = serviceBlocks(resolved.out);
    assert.deepEqual([...blocks.keys()].sort(), swarmServices);
    // Every service joins Docker's predefined host network and nothing else; nothing is published.
    assert.match(
      resolved.out,
      /^networks:\n {2}host:\n {4}external: true\n {4}name: host$/m,
      'the network "host" is the external host network',
    );
    for (const [name, block] of blocks) {
      assert.match(block, /^ {4}networks:\n {6}host: null$/m, `${name} uses the host network`);
      assert.equal([...block.matchAll(/^ {6}\S+: null$/gm)].length, 1, `${name} joins no other network`);
      assert.doesNotMatch(block, /^ {4}(ports|network_mode):/m, `${name} publishes no port`);
    }
    // Loopback addresses everywhere: every host:port in the file (image references aside) is 127.0.0.1 or localhost.
    const withoutImages = resolved.out.replace(/^ {4}image: .*$/gm, '');
    for (const m of withoutImages.matchAll(/([\w.-]+):(\d{2,5})\b/g)) {
      assert.ok(['127.0.0.1', 'localhost'].includes(m[1]), `${m[0]} is not a loopback address`);
    }
    assert.doesNotMatch(resolved.out, /tasks\.|0\.0\.0\.0/);
    // The worker drives the app service through the Swarm driver.
    const worker = blocks.get('worker')!;
    assert.equal(envOf(worker, 'ORCHESTRATOR'), 'swarm');
    assert.equal(envOf(worker, 'SERVICES'), 'jarvis-app');
    assert.equal(envOf(worker, 'DOCKER_SERVICE_NAME'), 'jarvis_app', 'the app service as "docker stack deploy ... jarvis" names it');
    assert.equal(envOf(worker, 'JARVIS_STATE_DIR'), '/var/lib/jarvis');
    assert.match(worker, /- \/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
    assert.equal(envOf(worker, 'NGINX_BIN'), '/etc/jarvis/swarm-nginx-bin.js');
    assert.match(worker, /target: \/etc\/jarvis\/swarm-nginx-bin\.js/);
    // The app service as the driver expects it (activities/scaling/swarm-service.ts serviceSpec).
    const app = blocks.get('app')!;
    assert.equal(envOf(app, 'PORT'), undefined, 'no PORT: each replica listens on APP_BASE_PORT + its slot');
    assert.equal(envOf(app, 'APP_BASE_PORT'), envOf(worker, 'APP_BASE_PORT'));
    assert.equal(envOf(app, 'INSTANCE_SLOT'), '{{.Task.Slot}}');
    assert.equal(envOf(app, 'INSTANCE_ID'), 'jarvis-app-{{.Task.Slot}}');
    assert.equal(envOf(app, 'HOST'), '127.0.0.1');
    // The resolved file folds this long line, so the file itself is read.
    assert.ok(
      readFileSync(swarmFile, 'utf8').includes(`      APP_VERSION: '${APP_VERSION_TEMPLATE}'\n`),
      "APP_VERSION is the driver's template: the slot's label, else the service's",
    );
    assert.match(app, /^ {8}jarvis\.version: \S+$/m, 'the version of a replica added by docker service scale');
    assert.match(app, /restart_policy:\n {8}condition: none$/m, 'a stopped replica stays stopped');
    const replicas = Number(/^ {6}replicas: (\d+)$/m.exec(app)?.[1]);
    assert.equal(replicas, 3);
    for (let slot = 1; slot <= replicas; slot++)
      assert.match(app, new RegExp(`^ {8}jarvis\\.version\\.${slot}: \\S+$`, 'm'), `slot ${slot} has its version label`);
    assert.match(app, /^ {8}jarvis\.swarm\.service: jarvis-app$/m);
    assert.match(app, /^ {8}jarvis\.swarm\.base-port: '3100'$/m);
    assert.deepEqual(
      [...app.matchAll(/^ {4}- source: (\w+)$/gm)].map((m) => m[1]).sort(),
      ['admin_token', 'pg_app_password', 'redis_app_password'],
      'the secrets the app reads',
    );
    // nginx and Prometheus read what the worker writes, in the node's folder they share.
    assert.match(blocks.get('nginx')!, /- \/var\/lib\/jarvis:\/var\/lib\/jarvis(:rw)?$/m);
    assert.match(blocks.get('worker')!, /- \/var\/lib\/jarvis:\/var\/lib\/jarvis(:rw)?$/m);
    assert.match(blocks.get('prometheus')!, /- \/var\/lib\/jarvis:\/var\/lib\/jarvis:ro$/m);
    const prometheus = readFileSync(path.join(repoRoot, 'infra', 'prometheus', 'prometheus.swarm.yml'), 'utf8');
    assert.match(
      prometheus,
      /files: \['\/var\/lib\/jarvis\/prometheus\/targets\/\*\.json'\]/,
      'the folder activities/routing/scrape-targets.ts writes',
    );
    assert.match(
      readFileSync(path.join(repoRoot, 'infra', 'nginx', 'nginx.swarm.conf'), 'utf8'),
      /^\s*include upstreams\/\*\.conf;$/m,
      'the upstreams activities/routing/nginx.ts writes',
    );
  });

  it('the Swarm worker reloads nginx with SIGHUP through the Docker API, and runs the real nginx for the rest', async () => {
    const wrapper = path.join(repoRoot, 'infra', 'nginx', 'swarm-nginx-bin.js');
    accessSync(wrapper, constants.X_OK);
    const socket = path.join(scratch.dir, 'fake-docker.sock');
    const calls: string[] = [];
    const server = http.createServer((req, res) => {
      calls.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
      if (req.method === 'GET' && req.url?.startsWith('/containers/json?')) {
        res.end(JSON.stringify([{ Id: 'aaa' }, { Id: 'bbb' }]));
      } else {
        res.statusCode = 204;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const env = { ...process.env, DOCKER_SOCKET: socket, NGINX_SWARM_SERVICE: 'jarvis_nginx' };
      const reload = await runTool(wrapper, ['-s', 'reload', '-p', '/var/lib/jarvis/nginx', '-c', '/var/lib/jarvis/nginx/nginx.conf'], {
        env,
      });
      assert.equal(reload.code, 0, reload.stderr);
      assert.deepEqual(calls, [
        'GET /containers/json?filters={"label":["com.docker.swarm.service.name=jarvis_nginx"],"status":["running"]}',
        'POST /containers/aaa/kill?signal=HUP',
        'POST /containers/bbb/kill?signal=HUP',
      ]);
      // No socket: the reload fails, so the activity fails and is retried.
      const unreachable = await runTool(wrapper, ['-s', 'reload'], { env: { ...env, DOCKER_SOCKET: path.join(scratch.dir, 'none.sock') } });
      assert.notEqual(unreachable.code, 0);
      assert.match(unreachable.stderr, /reload through the Docker API failed/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const version = await runTool(wrapper, ['-v'], { env: { ...process.env, NGINX_REAL_BIN: process.env.NGINX_BIN ?? '/usr/sbin/nginx' } });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stderr, /nginx version/);
  });

  it('every Swarm config file that the stack ships exists', () => {
    const text = readFileSync(swarmFile, 'utf8');
    const files = [...text.matchAll(/\{ file: (\S+) \}/g)].map((m) => path.resolve(path.dirname(swarmFile), m[1]));
    assert.ok(files.length >= 10, files.join(', '));
    for (const file of files) assert.ok(existsSync(file), `the Swarm stack ships ${file}, which does not exist`);
  });
});
