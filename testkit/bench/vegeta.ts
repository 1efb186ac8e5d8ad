// vegeta (infra/local/install-deps.sh vegeta) behind a small typed wrapper: open-loop load at a
// fixed arrival rate, so a slow answer does not hold back the next request (no coordinated
// omission), with every request's result kept (timestamp, latency, status, error).
//
// No client retry: vegeta never resends a request. One caveat, Go's own: its HTTP client
// resends an idempotent request without a body (our GETs) when a reused keep-alive
// connection turns out closed before any answer; it never resends a POST. POSTs are
// therefore the strict measure of "no client retry".
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const VEGETA_VERSION = 'v12.13.0';

export interface VegetaTarget {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface VegetaResult {
  /** Epoch ms when the request was sent. */
  atMs: number;
  latencyMs: number;
  code: number;
  error: string;
  method: string;
  url: string;
}

export interface VegetaAttack {
  /** Ends the attack early (SIGINT: vegeta writes what it has) and returns every request's result. */
  stop(): Promise<VegetaResult[]>;
  /** The results once the attack ran its full duration. */
  done: Promise<VegetaResult[]>;
}

export interface AttackOptions {
  targets: VegetaTarget[];
  ratePerSecond: number;
  maxSeconds: number;
  timeoutSeconds?: number;
}

/** Where vegeta is (or would be, once built). */
export function vegetaPath(): string {
  const cache = process.env.JARVIS_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'jarvis-scale');
  return process.env.VEGETA_BIN ?? path.join(cache, `vegeta-${VEGETA_VERSION}`, 'vegeta');
}

export function vegetaBin(): string {
  const bin = vegetaPath();
  if (!existsSync(bin)) throw new Error(`no vegeta at ${bin}; build it once with: bash infra/local/install-deps.sh vegeta`);
  return bin;
}

function targetLine(t: VegetaTarget): string {
  const header = Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k, [v]]));
  return JSON.stringify({
    method: t.method,
    url: t.url,
    header,
    ...(t.body !== undefined ? { body: Buffer.from(t.body).toString('base64') } : {}),
  });
}

/** Parses `vegeta encode -to json` output: one JSON object per request. */
export function parseVegetaJson(text: string): VegetaResult[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const r = JSON.parse(line) as { timestamp: string; latency: number; code: number; error: string; method: string; url: string };
      return { atMs: Date.parse(r.timestamp), latencyMs: r.latency / 1e6, code: r.code, error: r.error, method: r.method, url: r.url };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

function run(bin: string, args: string[]): { child: ReturnType<typeof spawn>; exited: Promise<void> } {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 || signal === 'SIGINT' || code === 130
        ? resolve()
        : reject(new Error(`vegeta ${args[0]} failed (${code ?? signal}): ${stderr.trim()}`)),
    ),
  );
  return { child, exited };
}

/** Starts an open-loop attack: the targets in turn, at a fixed rate, on keep-alive connections. */
export async function startAttack(options: AttackOptions): Promise<VegetaAttack> {
  if (!(options.ratePerSecond > 0) || !(options.maxSeconds > 0)) throw new Error('an attack needs a rate and a duration above 0');
  const bin = vegetaBin();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vegeta-'));
  const targets = path.join(dir, 'targets.json');
  const bin_out = path.join(dir, 'results.bin');
  await fs.writeFile(targets, `${options.targets.map(targetLine).join('\n')}\n`);
  const attack = run(bin, [
    'attack',
    '-format=json',
    `-targets=${targets}`,
    `-rate=${options.ratePerSecond}/1s`,
    `-duration=${options.maxSeconds}s`,
    `-timeout=${options.timeoutSeconds ?? 10}s`,
    '-keepalive=true',
    '-redirects=-1',
    `-output=${bin_out}`,
  ]);
  const results = async () => {
    await attack.exited;
    const json = path.join(dir, 'results.json');
    await run(bin, ['encode', '-to=json', `-output=${json}`, bin_out]).exited;
    const parsed = parseVegetaJson(await fs.readFile(json, 'utf8'));
    await fs.rm(dir, { recursive: true, force: true });
    return parsed;
  };
  const done = results();
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      attack.child.kill('SIGINT');
      return done;
    },
  };
}
