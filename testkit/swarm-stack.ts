// The Swarm stack file (infra/docker/docker-compose.swarm.yml) deployed for real on this
// engine, as `docker stack deploy -c infra/docker/docker-compose.swarm.yml jarvis`, with the
// app's image built here (infra/docker/build-local-image.sh) and pointed at the test stack.
//
// What cannot run here is held at 0 replicas by an override file (a second -c): the services
// whose images come from Docker Hub (nothing may be pulled) and the worker and nginx, which
// need the Dockerfile's full image (the local one holds the app only) and would take the
// design's default ports. Swarm still creates every service, network, config and secret
// reference of the file. The override also labels each service with the test stack's state
// folder (jarvis.stack), so a run that died is told apart from someone else's stack.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { launchSettings } from '../activities';
import type { WorkerConfig } from '../config/worker-config';
import { repoRoot, stateDir } from './stack';
import { runTool, type ToolResult } from './tools';

export const STACK = 'jarvis';
/** The app service as the stack names it: the seed's jarvis_app, DOCKER_SERVICE_NAME's default. */
export const APP_SERVICE = `${STACK}_app`;
export const swarmFile = path.join(repoRoot, 'infra', 'docker', 'docker-compose.swarm.yml');
/** The tag build-local-image.sh gives the app's image: the stack file's image with JARVIS_VERSION=local-app. */
export const LOCAL_VERSION = 'local-app';
const OWNER_LABEL = 'jarvis.stack';
const SECRETS = [
  'redis_password',
  'redis_app_password',
  'pg_superuser_password',
  'pg_replication_password',
  'pg_app_password',
  'admin_token',
  'temporal_db_password',
  'grafana_admin_password',
];
/** The secrets the app reads get the test stack's values; the others a random one. */
const APP_SECRET_KEYS: Record<string, string> = {
  redis_app_password: 'REDIS_APP_PASSWORD',
  pg_app_password: 'PG_APP_PASSWORD',
  admin_token: 'ADMIN_TOKEN',
};

export const dockerCli = (args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<ToolResult> =>
  runTool('docker', args, { env, cwd: repoRoot, timeoutMs });

/** The deploy-time variables of the stack file, pointed at the test stack's services and ports. */
export function stackEnv(config: WorkerConfig): NodeJS.ProcessEnv {
  const launch = launchSettings(config);
  return {
    ...process.env,
    JARVIS_VERSION: LOCAL_VERSION,
    APP_BASE_PORT: String(config.appBasePort),
    DATABASE_URL: launch.databaseUrl,
    READ_REPLICA_1_URL: launch.readReplicaUrls[0],
    READ_REPLICA_2_URL: launch.readReplicaUrls[1],
    REDIS_CLUSTER_NODES: launch.redisClusterNodes,
  };
}

function appSecretValues(config: WorkerConfig): Record<string, string> {
  const lines = readFileSync(config.appSecretsFile, 'utf8').trim().split('\n');
  return Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** The stack file's service names, as docker stack config resolves them. */
async function stackServices(): Promise<string[]> {
  const resolved = await dockerCli(['stack', 'config', '-c', swarmFile]);
  if (resolved.code !== 0) throw new Error(`docker stack config failed: ${resolved.stderr}`);
  const block = resolved.stdout.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...block.matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]).sort();
}

/** Writes the override file: every service but the app at 0 replicas, all labelled with the test stack. */
async function writeOverride(dir: string): Promise<{ file: string; heldBack: string[] }> {
  const services = await stackServices();
  const heldBack = services.filter((s) => s !== 'app');
  const label = `      labels: { ${OWNER_LABEL}: ${JSON.stringify(stateDir)} }\n`;
  const text =
    'version: "3.8"\nservices:\n' +
    services.map((s) => `  ${s}:\n    deploy:\n${s === 'app' ? '' : '      replicas: 0\n'}${label}`).join('');
  const file = path.join(dir, 'swarm-test-override.yml');
  writeFileSync(file, text);
  return { file, heldBack };
}

const ours = (labels: Record<string, string> | undefined) => labels?.[OWNER_LABEL] === stateDir;

/** Removes what a dead run of this test stack left; refuses to touch anyone else's stack, service or secret. */
export async function removeLeftovers(docker: Dockerode): Promise<void> {
  const services = (await docker.listServices({ filters: { label: [`com.docker.stack.namespace=${STACK}`] } })) as Dockerode.Service[];
  for (const service of services as unknown as { Spec: { Name: string; Labels?: Record<string, string> } }[]) {
    if (!ours(service.Spec.Labels))
      throw new Error(`a stack "${STACK}" this test did not deploy runs on this engine (${service.Spec.Name}); remove it first`);
  }
  if (services.length > 0) await removeStack(docker);
  const byName = (await docker.listServices({ filters: { name: [APP_SERVICE] } })) as unknown as {
    ID: string;
    Spec: { Name: string; TaskTemplate?: { ContainerSpec?: { Env?: string[] } } };
  }[];
  for (const service of byName.filter((s) => s.Spec.Name === APP_SERVICE)) {
    // One the swarm driver created for this test stack (swarm-driver.test.ts) is ours to remove.
    if (!service.Spec.TaskTemplate?.ContainerSpec?.Env?.includes(`JARVIS_STACK_ID=${stateDir}`))
      throw new Error(`a service ${APP_SERVICE} that this test stack did not create runs on this engine; remove it first`);
    await docker.getService(service.ID).remove();
  }
  await removeSecrets(docker);
}

/** Creates the stack's external secrets (labelled as ours); refuses when another owner's secret has the name. */
async function createSecrets(docker: Dockerode, config: WorkerConfig): Promise<void> {
  const values = appSecretValues(config);
  const existing = new Set(((await docker.listSecrets()) as { Spec: { Name: string } }[]).map((s) => s.Spec.Name));
  for (const name of SECRETS) {
    if (existing.has(name)) throw new Error(`a Swarm secret ${name} that this test did not create exists; remove it first`);
    const value = APP_SECRET_KEYS[name] ? values[APP_SECRET_KEYS[name]] : randomBytes(24).toString('hex');
    if (!value) throw new Error(`${APP_SECRET_KEYS[name]} is not in ${config.appSecretsFile}`);
    await docker.createSecret({ Name: name, Labels: { [OWNER_LABEL]: stateDir }, Data: Buffer.from(value).toString('base64') });
  }
}

async function removeSecrets(docker: Dockerode): Promise<void> {
  for (const secret of (await docker.listSecrets()) as { ID: string; Spec: { Name: string; Labels?: Record<string, string> } }[]) {
    if (SECRETS.includes(secret.Spec.Name) && ours(secret.Spec.Labels)) await docker.getSecret(secret.ID).remove();
  }
}

export interface DeployedStack {
  /** The stack's services held at 0 replicas: nothing here can run them. */
  heldBack: string[];
  deploy: ToolResult;
}

/** Builds the app's image, creates the secrets and runs docker stack deploy with the stack file. */
export async function deployStack(docker: Dockerode, config: WorkerConfig): Promise<DeployedStack> {
  const env = stackEnv(config);
  const build = await runTool('bash', [path.join(repoRoot, 'infra', 'docker', 'build-local-image.sh')], { env, timeoutMs: 180_000 });
  if (build.code !== 0) throw new Error(`build-local-image.sh failed: ${build.stderr}`);
  await createSecrets(docker, config);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swarm-stack-'));
  try {
    const { file, heldBack } = await writeOverride(dir);
    // --resolve-image never: no registry is asked for a digest (dockerd.sh also prefers local images).
    const deploy = await dockerCli(['stack', 'deploy', '--resolve-image', 'never', '-c', swarmFile, '-c', file, STACK], env);
    return { heldBack, deploy };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** docker stack rm, then waits until the stack's containers are gone (secrets in use cannot be removed before). */
export async function removeStack(docker: Dockerode): Promise<void> {
  await dockerCli(['stack', 'rm', STACK]);
  const label = `com.docker.stack.namespace=${STACK}`;
  for (let i = 0; i < 300; i++) {
    const left =
      (await docker.listContainers({ all: true, filters: { label: [label] } })).length +
      (await docker.listServices({ filters: { label: [label] } })).length;
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the stack ${STACK} still has containers 60 s after docker stack rm`);
}

export async function teardownStack(docker: Dockerode): Promise<void> {
  await removeStack(docker);
  await removeSecrets(docker);
}
