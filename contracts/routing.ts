// Routing's contracts: the health router's workflow ID and its progress query, shared by the
// workflow, the worker that starts it, and tests.
import { defineQuery } from '@temporalio/workflow';
import type { OperationProgress } from './common/progress';

/** The one health router of a service: a long-running workflow, started idempotently under this ID. */
export function healthRouterId(service: string): string {
  return `health-router/${service}`;
}

export interface HealthRouterProgress extends OperationProgress {
  service: string;
  /** Rounds over every run of this workflow ID (continueAsNew included), and this run's number. */
  rounds: number;
  run: number;
  reloadsApplied: number;
  reloadsDeferred: number;
  roundsUnchanged: number;
  probeFailures: number;
  instances: Array<{
    name: string;
    breaker: string;
    code: string;
    score: number;
    errorRate: number | null;
    weight: number;
    down: boolean;
    consecutiveFailures: number;
    consecutiveSuccesses: number;
    answer: string;
  }>;
  /** The latest breaker transitions, newest last (at most 30). */
  events: Array<{ round: number; instance: string; code: string; detail: string }>;
}

export const healthRouterProgressQuery = defineQuery<HealthRouterProgress>('healthRouterProgress');
