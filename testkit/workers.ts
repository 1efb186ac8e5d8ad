// Workers for tests: in-process for ordinary tests, a child process for crash tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createClients } from '../activities';
import { chooseOrchestrator } from '../activities/scaling/orchestrator-choice';
import { connectTemporalNative } from '../config/temporal-connect';
import { workflowSource } from '../config/workflow-source';
import { temporalAddress } from './ports';
import { repoRoot, stateDir, testWorkerConfig } from './stack';

// Worker state changes at INFO would bury the test report.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** Runs `fn` while an in-process worker serves `taskQueue`. */
export async function withWorker<T>(taskQueue: string, fn: () => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const config = testWorkerConfig({ TASK_QUEUE: taskQueue, ...env });
  const connection = await connectTemporalNative(config.temporal);
  const clients = createClients(config);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.namespace,
      taskQueue,
      activities: createActivities(config, await chooseOrchestrator(config, clients.docker), clients),
      ...workflowSource(),
    });
    return await worker.runUntil(fn());
  } finally {
    await clients.close();
    await connection.close();
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill: (signal: NodeJS.Signals) => Promise<void>;
}

/** The environment of a worker process (or worker script) on this test stack. */
function workerProcessEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    JARVIS_STATE_DIR: stateDir,
    WORKER_METRICS_PORT: '0',
    // Test workers create no schedules: those belong to the main job's worker.
    CREATE_SCHEDULES: 'false',
    PG_MONITOR_ENABLED: 'false',
    ...env,
  };
}

/**
 * Runs one of the worker's command-line scripts, such as bootstrap/schedules.js, the way an
 * operator would (benches reach the worker's bootstrap only this way); returns its output.
 */
export async function runWorkerScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'dist', 'workers', script), ...args], {
    env: workerProcessEnv(env),
    timeout: 60_000,
  });
  return stdout;
}

/** Starts the real worker entry point as a child process and waits until it polls. */
export async function startWorkerProcess(taskQueue: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'workers', 'main.js')], {
    env: workerProcessEnv({ TASK_QUEUE: taskQueue, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${output}`)));
  });
  await ready;
  return {
    child,
    output: () => output,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

export interface ReplaceableWorker {
  /** Kills the first worker process with SIGKILL, as a crash would. */
  crash: () => Promise<void>;
  /** Starts a second worker process on the same task queue, to finish what the first left. */
  replace: () => Promise<void>;
}

/**
 * Runs fn while a worker process serves `taskQueue`; fn crashes it and starts its replacement
 * when it chooses. Whatever still runs at the end is stopped, even when fn failed.
 */
export async function withReplaceableWorker<T>(
  taskQueue: string,
  env: Record<string, string>,
  fn: (worker: ReplaceableWorker) => Promise<T>,
): Promise<T> {
  const first = await startWorkerProcess(taskQueue, env);
  let second: WorkerProcess | undefined;
  try {
    return await fn({
      crash: () => first.kill('SIGKILL'),
      replace: async () => {
        second = await startWorkerProcess(taskQueue, env);
      },
    });
  } finally {
    await first.kill('SIGKILL');
    await second?.kill('SIGTERM');
  }
}

/** withWorker with the worker's settings first, for a long body: it then reads last, after what it runs under. */
export function withWorkerEnv<T>(taskQueue: string, env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return withWorker(taskQueue, fn, env);
}
