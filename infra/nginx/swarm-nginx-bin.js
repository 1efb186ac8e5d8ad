#!/usr/bin/env node
// The worker's NGINX_BIN in the Swarm stack (infra/docker/docker-compose.swarm.yml).
// activities/nginx.ts runs "<NGINX_BIN> -t -q -p P -c C" and "<NGINX_BIN> -s reload -p P -c C".
// nginx runs in the jarvis_nginx service's container, and a Swarm service cannot share the
// host's PID namespace, so a plain "nginx -s reload" from the worker's container could not
// signal nginx's master. This runs every command with the real nginx except "-s reload",
// which it turns into SIGHUP (what "nginx -s reload" sends) to every running container of
// the nginx service, through the Docker API on the socket the worker already mounts. nginx
// is PID 1 in those containers (infra/nginx/compose-start.sh execs it). It exits 0 only
// when every container took the signal, and non-zero when none runs, so the activity retries.
'use strict';
const { spawnSync } = require('node:child_process');
const http = require('node:http');

const NGINX = process.env.NGINX_REAL_BIN || '/usr/sbin/nginx';
const SOCKET = process.env.DOCKER_SOCKET || '/var/run/docker.sock';
const SERVICE = process.env.NGINX_SWARM_SERVICE || 'jarvis_nginx';

function docker(method, path) {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: SOCKET, method, path, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode >= 200 && response.statusCode < 300) resolve(body);
        else reject(new Error(`${method} ${path.split('?')[0]}: HTTP ${response.statusCode} ${body.trim()}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${path.split('?')[0]}: no answer from ${SOCKET}`)));
    request.on('error', reject);
    request.end();
  });
}

async function reload() {
  const filters = JSON.stringify({ label: [`com.docker.swarm.service.name=${SERVICE}`], status: ['running'] });
  const containers = JSON.parse(await docker('GET', `/containers/json?filters=${encodeURIComponent(filters)}`));
  if (containers.length === 0) throw new Error(`no running container of the Swarm service ${SERVICE}`);
  for (const container of containers) await docker('POST', `/containers/${encodeURIComponent(container.Id)}/kill?signal=HUP`);
  return containers.length;
}

const args = process.argv.slice(2);
const signal = args.indexOf('-s');
if (signal >= 0 && args[signal + 1] === 'reload') {
  reload().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`nginx reload through the Docker API failed: ${error.message}\n`);
      process.exit(1);
    },
  );
} else if (signal >= 0) {
  process.stderr.write(`only "-s reload" is supported here, not "-s ${args[signal + 1]}"\n`);
  process.exit(2);
} else {
  const result = spawnSync(NGINX, args, { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
