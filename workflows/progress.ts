import { setCurrentDetails, setHandler } from '@temporalio/workflow';
import { progressQuery, type OperationProgress } from './definitions';
import type { Report } from './instance-steps';

/** Answers the progress query and keeps the UI's current details in step with it. */
export function trackProgress(): { progress: OperationProgress; report: Report } {
  const progress: OperationProgress = { step: 'starting', detail: '', done: [] };
  setHandler(progressQuery, () => progress);
  const report: Report = (step, detail) => {
    progress.step = step;
    progress.detail = detail;
    setCurrentDetails(detail);
  };
  return { progress, report };
}
