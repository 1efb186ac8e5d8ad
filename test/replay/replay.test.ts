// Replays every committed history against today's workflow code; no server needed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { workflowSource } from '../../workers/workflow-source';
import { repoRoot } from '../helpers/stack';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const historiesDir = path.join(repoRoot, 'test', 'histories');

interface JsonEvent {
  eventType?: string;
  workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string }; workflowId?: string };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
}

function loadJson(file: string): { events: JsonEvent[] } {
  return JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
}

const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort();

describe('replaying recorded histories', () => {
  it('has at least one recorded history for every workflow type', () => {
    const recorded = new Set(files.map((f) => loadJson(f).events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
    const missing = Object.keys(workflows).filter((name) => !recorded.has(name));
    assert.deepEqual(missing, [], `workflow types without a history under test/histories: ${missing.join(', ')}`);
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = loadJson(file);
      // The workflow reads its own ID (the mutex check), so replay under the recorded one.
      const workflowId = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowId;
      assert.ok(workflowId, `${file} has no workflow ID in its first event`);
      await Worker.runReplayHistory(workflowSource(), historyFromJSON(history), workflowId);
    });
  }

  it('holds autoscaleCheck from before and after its patch (README "Changing a workflow safely")', () => {
    const activities = (file: string) => loadJson(file).events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    const markers = (file: string) => loadJson(file).events.filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED').length;
    assert.equal(activities('autoscaleCheck-before-one-describe-patch.json')[0], 'describeService', 'the old run took the old branch');
    assert.equal(markers('autoscaleCheck-before-one-describe-patch.json'), 0);
    assert.ok(!activities('autoscaleCheck.json').includes('describeService'), 'the new run took the patched branch');
    assert.equal(markers('autoscaleCheck.json'), 1, 'the patch marker is recorded');
  });

  it('fails on a deliberately altered history, which proves the replay can fail', async () => {
    const history = loadJson('scaleUp.json');
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes);
    assert.ok(scheduled?.activityTaskScheduledEventAttributes?.activityType);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    await assert.rejects(Worker.runReplayHistory(workflowSource(), historyFromJSON(history), 'scale/jarvis-app'), (error: Error) => {
      assert.equal(error.name, 'DeterminismViolationError');
      assert.match(error.message, /someOtherActivity|describeService/, 'the violation is the altered activity');
      return true;
    });
  });
});
