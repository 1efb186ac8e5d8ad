import { ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';

export function invalidInput(workflowType: string, problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidInput,
    message: `invalid ${workflowType} input: ${problems.join('; ')}`,
    nonRetryable: true,
  });
}
