import { ApplicationFailure } from '@temporalio/common';
import { FailureType, type FailureTypeName } from '../../contracts/common/failure-types';

export { FailureType };

export function permanentFailure(type: FailureTypeName, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}
