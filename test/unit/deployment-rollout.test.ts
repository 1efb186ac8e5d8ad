import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageTag, imageWithTag, rolloutReached, type DeploymentProgress } from '../../policy/scaling/deployment-rollout';

describe('image references', () => {
  const table: Array<[string, string, string]> = [
    ['jarvis-ai:1.0.0', '1.0.0', 'jarvis-ai:2.0.0'],
    ['localhost:5000/jarvis-ai:1.0.0', '1.0.0', 'localhost:5000/jarvis-ai:2.0.0'],
    ['localhost:5000/jarvis-ai', 'latest', 'localhost:5000/jarvis-ai:2.0.0'],
    ['registry.example/team/jarvis-ai:v1@sha256:abc', 'v1', 'registry.example/team/jarvis-ai:2.0.0'],
    ['jarvis-ai', 'latest', 'jarvis-ai:2.0.0'],
  ];
  for (const [image, tag, retagged] of table) {
    it(`${image}: tag ${tag}, at 2.0.0 ${retagged}`, () => {
      assert.equal(imageTag(image), tag);
      assert.equal(imageWithTag(image, '2.0.0'), retagged);
    });
  }
});

describe('rolloutReached', () => {
  const base: DeploymentProgress = { generation: 2, observedGeneration: 2, desired: 4, current: 4, updated: 4, available: 4 };
  const table: Array<[string, Partial<DeploymentProgress>, number | undefined, string]> = [
    ['done', {}, undefined, 'complete'],
    ['the controller has not seen the change', { observedGeneration: 1 }, undefined, 'generation-not-observed'],
    ['two of four updated', { updated: 2, current: 5 }, undefined, 'replicas-not-updated'],
    ['all updated, an old one still there', { current: 5 }, undefined, 'old-replicas-left'],
    ['all updated, one not available', { available: 3 }, undefined, 'updated-not-available'],
    ['canary of 1: one updated, all available', { updated: 1, current: 5, available: 4 }, 1, 'canary'],
    ['canary of 1: none updated yet', { updated: 0 }, 1, 'canary-not-updated'],
    ['canary of 1: updated, count not available', { updated: 1, current: 5, available: 3 }, 1, 'canary-not-available'],
    ['canary larger than the count', { desired: 2, current: 2, updated: 2, available: 2 }, 5, 'canary'],
  ];
  for (const [what, change, canary, reason] of table) {
    it(`${what} → ${reason}`, () => assert.equal(rolloutReached({ ...base, ...change }, canary).reason, reason));
  }
});
