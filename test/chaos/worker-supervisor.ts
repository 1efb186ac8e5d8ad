// The worker under test, as a child process: started, SIGKILLed and started again by the
// harness. A worker that dies on its own (not by our hand) is counted and replaced.
import { startWorkerProcess, type WorkerProcess } from '../../testkit/workers';

export class WorkerSupervisor {
  private current: { process: WorkerProcess; killedByUs: boolean } | undefined;
  kills = 0;
  starts = 0;
  unexpectedExits: string[] = [];

  constructor(
    private readonly taskQueue: string,
    private readonly env: Record<string, string>,
  ) {}

  alive(): boolean {
    const child = this.current?.process.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts a worker unless one is alive; a dead one we did not kill is recorded. Retries while the server comes back. */
  async ensureRunning(timeoutMs = 90_000): Promise<void> {
    if (this.alive()) return;
    if (this.current && !this.current.killedByUs) {
      const child = this.current.process.child;
      this.unexpectedExits.push(
        `worker exited by itself (code ${child.exitCode}, signal ${child.signalCode}): ${this.current.process.output().slice(-500)}`,
      );
    }
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (let attempt = 0; attempt < 30 && Date.now() < deadline; attempt++) {
      try {
        const process = await startWorkerProcess(this.taskQueue, this.env);
        this.current = { process, killedByUs: false };
        this.starts += 1;
        return;
      } catch (error) {
        lastError = (error as Error).message.slice(0, 500);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    throw new Error(`no worker could start within ${timeoutMs} ms: ${lastError}`);
  }

  async sigkill(): Promise<boolean> {
    if (!this.alive() || !this.current) return false;
    this.current.killedByUs = true;
    await this.current.process.kill('SIGKILL');
    this.kills += 1;
    return true;
  }

  async stop(): Promise<void> {
    if (!this.current) return;
    this.current.killedByUs = true;
    await this.current.process.kill('SIGTERM');
  }
}
