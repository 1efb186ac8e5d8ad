// Scaling's contracts: the IDs, signals, queries and data types that scaleUp, scaleDown,
// rollingUpdate and autoscaleCheck share with the activities, the worker, the CLI and tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OperationProgress } from './common/progress';

/** The workflow ID that serialises every scaling operation of one service, cooldown included. */
export function scaleMutexId(service: string): string {
  return `scale/${service}`;
}

/** The Schedule that runs autoscaleCheck for one service. */
export function autoscaleScheduleId(service: string): string {
  return `autoscale/${service}`;
}

const AUTOSCALE_CHECK_PREFIX = 'autoscale-check/';

/** The workflow ID each autoscaleCheck run of the Schedule gets. */
export function autoscaleCheckWorkflowId(service: string): string {
  return `${AUTOSCALE_CHECK_PREFIX}${service}`;
}

/** The service of an autoscaleCheck workflow ID, or undefined when the ID is not one. */
export function serviceOfAutoscaleCheck(workflowId: string): string | undefined {
  return workflowId.startsWith(AUTOSCALE_CHECK_PREFIX) ? workflowId.slice(AUTOSCALE_CHECK_PREFIX.length) : undefined;
}

export function instanceName(service: string, index: number): string {
  return `${service}-${index}`;
}

/** The index in `jarvis-app-4`, or undefined when the name is not one of the service's instances. */
export function instanceIndex(service: string, name: string): number | undefined {
  const prefix = `${service}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  if (!/^[1-9][0-9]{0,3}$/.test(rest)) return undefined;
  return Number(rest);
}

/** What describeService returns: the settings of one service this worker scales. */
export interface ServiceSpec {
  service: string;
  basePort: number;
  minInstances: number;
  maxInstances: number;
  version: string;
  healthPath: string;
  loadBalancerUrl: string;
  /** How long an instance may take to exit after SIGTERM: its own shutdown deadline plus a margin. */
  shutdownGraceSeconds: number;
  /**
   * How rollingUpdate replaces instances: one by one through the steps (absent, as in runs
   * recorded before the kubernetes driver), or the Deployment's own rollout (`deployment`).
   */
  rollout?: 'instances' | 'deployment';
}

/** The part of an autoscaleCheck result that its readers use (the full decision is policy/scaling/autoscale.ts's). */
export interface AutoscaleCheckSummary {
  service: string;
  decision: { action: 'scaleUp' | 'scaleDown' | 'none'; current: number; desired: number; reason: string; metric?: string };
  started?: { workflowId: string; workflowType: 'scaleUp' | 'scaleDown'; count: number };
  skipped?: string;
}

export interface RollingUpdateProgress extends OperationProgress {
  version: string;
  total: number;
  /** Pairs of the old instance and the one that replaced it. */
  replaced: Array<{ old: string; new: string }>;
  paused: boolean;
  rollingBack: boolean;
}

export const rollingUpdateProgressQuery = defineQuery<RollingUpdateProgress>('rollingUpdateProgress');
/** Pause at the next instance boundary; the instance being replaced finishes first. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stop and roll every replaced instance back to its old version. */
export const abortSignal = defineSignal<[reason?: string]>('abort');
