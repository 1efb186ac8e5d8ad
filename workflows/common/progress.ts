import { setCurrentDetails, setHandler } from '@temporalio/workflow';
import { progressQuery, type OperationProgress } from '../../contracts/common/progress';
import type { Report } from '../scaling/instance-steps';

/**
 * Answers the progress query and keeps the UI's current details in step with it.
 * `detailsPrefix` goes before each detail in the UI only (the query keeps the bare detail).
 */
export function trackProgress(detailsPrefix = ''): { progress: OperationProgress; report: Report } {
  const progress: OperationProgress = { step: 'starting', detail: '', done: [] };
  setHandler(progressQuery, () => progress);
  const report: Report = (step, detail) => {
    progress.step = step;
    progress.detail = detail;
    setCurrentDetails(`${detailsPrefix}${detail}`);
  };
  return { progress, report };
}
