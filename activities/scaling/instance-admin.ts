// Talks to an instance's admin API: ask it to drain, and watch its connections go to zero.
// Both honour cancellation: a cancelled activity aborts its request and its wait.
import { Context } from '@temporalio/activity';

export interface InstanceAddress {
  name: string;
  /** Absent for an instance listed before instances had a host (old histories): 127.0.0.1. */
  host?: string;
  port: number;
}

export interface InstanceStatus {
  id: string;
  status: string;
  version: string;
  activeConnections: number;
  inFlightRequests: number;
}

export interface DrainProgress {
  polls: number;
  activeConnections: number;
  inFlightRequests: number;
}

export function createInstanceAdmin(settings: { adminToken: string }) {
  async function call(instance: InstanceAddress, method: 'GET' | 'POST', route: string): Promise<InstanceStatus | undefined> {
    try {
      const res = await fetch(`http://${instance.host ?? '127.0.0.1'}:${instance.port}/api/admin/${route}`, {
        method,
        headers: { authorization: `Bearer ${settings.adminToken}`, connection: 'close' },
        signal: AbortSignal.any([AbortSignal.timeout(3_000), Context.current().cancellationSignal]),
      });
      if (res.status === 401) throw new Error(`${instance.name} refused the admin token (401); is ADMIN_TOKEN the instance's?`);
      if (!res.ok) throw new Error(`${instance.name} answered ${res.status} to ${method} /api/admin/${route}`);
      return (await res.json()) as InstanceStatus;
    } catch (error) {
      Context.current().cancellationSignal.throwIfAborted(); // a cancel is not "the instance is gone"
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return undefined; // the instance is not listening: nothing left to drain
      throw error;
    }
  }

  return {
    /** Puts the instance in draining (its readiness fails). An instance that is gone counts as drained. */
    async requestDrain(instance: InstanceAddress): Promise<{ reachable: boolean; status?: string }> {
      const status = await call(instance, 'POST', 'drain');
      return { reachable: status !== undefined, status: status?.status };
    },

    /**
     * Waits until no request but our own status request is in flight on the instance, or
     * until the deadline. Idle keep-alive connections (nginx keeps some to every instance)
     * do not count: graceful shutdown closes them without losing a request. A drain that
     * times out is reported, and SIGTERM's graceful shutdown still finishes what is in flight.
     */
    async waitForConnectionsDrained(
      instance: InstanceAddress & { deadlineEpochMs: number },
    ): Promise<DrainProgress & { drained: boolean }> {
      const ctx = Context.current();
      const progress: DrainProgress = {
        polls: 0,
        activeConnections: -1,
        inFlightRequests: -1,
        ...(ctx.info.heartbeatDetails as DrainProgress | undefined),
      };
      for (;;) {
        const status = await call(instance, 'GET', 'status');
        progress.polls += 1;
        if (!status) return { ...progress, activeConnections: 0, inFlightRequests: 0, drained: true };
        progress.activeConnections = status.activeConnections;
        progress.inFlightRequests = status.inFlightRequests;
        ctx.heartbeat(progress);
        // The status request itself is one request in flight.
        if (status.inFlightRequests <= 1) return { ...progress, drained: true };
        if (Date.now() >= instance.deadlineEpochMs) return { ...progress, drained: false };
        await ctx.sleep(200); // rejects when the activity is cancelled
      }
    },
  };
}
