// Waits for a condition on a set of Kubernetes objects with a watch, not a poll: list once
// (which gives a resourceVersion), then follow the watch from there and decide again on every
// event. A watch that ends (the server closes it, or 410 Gone) is followed by a fresh list.
// While it waits it heartbeats every second, so a worker that dies is noticed within the
// activity's heartbeat timeout, and a cancelled activity ends the wait at once.
import * as k8s from '@kubernetes/client-node';
import { FailureType, permanentFailure } from '../common/errors';
import { activityCancellation, heartbeatProgress } from '../common/cancellation';
import type { KubernetesApi } from './kubernetes-api';

export interface Named {
  metadata?: { name?: string; resourceVersion?: string };
}

export interface WatchedSet<T extends Named> {
  /** The API path to watch, e.g. /api/v1/namespaces/jarvis/pods. */
  path: string;
  /** labelSelector or fieldSelector, the same for the list and the watch. */
  query: Record<string, string>;
  list: () => Promise<{ items: T[]; resourceVersion: string }>;
}

export interface WaitOptions<T, R> {
  decide: (items: Map<string, T>) => R | undefined;
  deadlineEpochMs: number;
  /** The error when the deadline passes, from the last state seen. */
  timeoutError: (items: Map<string, T>) => Error;
  progress: (items: Map<string, T>) => unknown;
}

type Outcome<R> = { done: true; value: R } | { done: false; error?: unknown };

function followWatch<T extends Named, R>(
  api: KubernetesApi,
  set: WatchedSet<T>,
  items: Map<string, T>,
  from: string,
  options: WaitOptions<T, R>,
) {
  const signal = activityCancellation();
  return new Promise<Outcome<R>>((resolve, reject) => {
    let controller: AbortController | undefined;
    let finished = false;
    const finish = (then: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(beat);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      then();
    };
    const beat = setInterval(() => heartbeatProgress(options.progress(items)), 1000);
    const timer = setTimeout(() => finish(() => reject(options.timeoutError(items))), Math.max(0, options.deadlineEpochMs - Date.now()));
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort);
    const onEvent = (phase: string, object: T) => {
      if (phase === 'ERROR') return finish(() => resolve({ done: false })); // 410 Gone and the like: list again
      const name = object.metadata?.name;
      if (phase === 'BOOKMARK' || !name) return;
      if (phase === 'DELETED') items.delete(name);
      else items.set(name, object);
      const value = options.decide(items);
      if (value !== undefined) finish(() => resolve({ done: true, value }));
    };
    new k8s.Watch(api.kc)
      .watch(set.path, { ...set.query, resourceVersion: from, allowWatchBookmarks: true }, onEvent, (error) =>
        finish(() => resolve({ done: false, error })),
      )
      .then(
        (c) => {
          controller = c;
          if (finished) c.abort();
        },
        (error) => finish(() => resolve({ done: false, error })),
      );
  });
}

export async function waitFor<T extends Named, R>(api: KubernetesApi, set: WatchedSet<T>, options: WaitOptions<T, R>): Promise<R> {
  for (;;) {
    activityCancellation()?.throwIfAborted();
    const listed = await set.list();
    const items = new Map(listed.items.map((item) => [item.metadata?.name ?? '', item]));
    const now = options.decide(items);
    if (now !== undefined) return now;
    heartbeatProgress(options.progress(items));
    if (Date.now() >= options.deadlineEpochMs) throw options.timeoutError(items);
    const outcome = await followWatch(api, set, items, listed.resourceVersion, options);
    if (outcome.done) return outcome.value;
    const status = (outcome.error as { statusCode?: number } | undefined)?.statusCode;
    if (status === 403) throw permanentFailure(FailureType.PermissionDenied, `Kubernetes RBAC forbids watch on ${set.path}`);
    // The watch ended (closed by the server, or an error): list again after a short breath.
    await new Promise((resolve) => setTimeout(resolve, outcome.error ? 500 : 0));
  }
}
