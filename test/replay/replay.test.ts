// Replays every committed history against today's workflow code; no server needed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { workflowSource } from '../../config/workflow-source';
import { repoRoot } from '../../testkit/stack';

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

const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

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
    const events = (file: string) => loadJson(file).events;
    const markers = (file: string) => events(file).filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED').length;
    // Before the patch each read waited for the one before it: one activity scheduled per workflow task.
    const scheduledTogether = (file: string) => {
      let most = 0;
      let run = 0;
      for (const e of events(file)) {
        if (e.activityTaskScheduledEventAttributes) most = Math.max(most, ++run);
        else if (e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') run = 0;
      }
      return most;
    };
    assert.equal(markers('autoscaleCheck-before-parallel-reads-patch.json'), 0, 'the old run has no patch marker');
    assert.equal(scheduledTogether('autoscaleCheck-before-parallel-reads-patch.json'), 1, 'the old run read one input at a time');
    assert.ok(markers('autoscaleCheck-started-scaleUp.json') >= 1, 'the new run records the patch marker');
    assert.ok(scheduledTogether('autoscaleCheck-started-scaleUp.json') >= 5, 'the new run schedules its five reads at once');
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
