// Pure decisions of the kubernetes driver: what version an image reference carries, the same
// image at another tag, and whether a Deployment's rollout has gone as far as a wait asks.

/** The tag of an image reference: jarvis-ai:2.0.0 → 2.0.0, localhost:5000/a/b:v1@sha256:… → v1; no tag → latest. */
export function imageTag(image: string): string {
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : 'latest';
}

/** The same image at another tag (a digest is dropped: it pins the old image). */
export function imageWithTag(image: string, tag: string): string {
  const withoutDigest = image.split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return `${colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest}:${tag}`;
}

export interface DeploymentProgress {
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  desired: number;
  /** status.replicas: old and new Pods together */
  current: number;
  updated: number;
  available: number;
}

export type RolloutVerdict = { reached: true; reason: 'complete' | 'canary' } | { reached: false; reason: string };

/**
 * `kubectl rollout status`'s rule: the controller has seen the change, every replica runs the
 * new template, no old one is left, and all are available. With `updatedAtLeast` (a canary),
 * that many run the new template and the count is available.
 */
export function rolloutReached(p: DeploymentProgress, updatedAtLeast?: number): RolloutVerdict {
  if (p.observedGeneration < p.generation) return { reached: false, reason: 'generation-not-observed' };
  if (updatedAtLeast !== undefined) {
    if (p.updated < Math.min(updatedAtLeast, p.desired)) return { reached: false, reason: 'canary-not-updated' };
    return p.available >= p.desired ? { reached: true, reason: 'canary' } : { reached: false, reason: 'canary-not-available' };
  }
  if (p.updated < p.desired) return { reached: false, reason: 'replicas-not-updated' };
  if (p.current > p.updated) return { reached: false, reason: 'old-replicas-left' };
  if (p.available < p.updated) return { reached: false, reason: 'updated-not-available' };
  return { reached: true, reason: 'complete' };
}
