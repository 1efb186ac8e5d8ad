import { ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from '../../contracts/common/failure-types';
import type { Parsed } from '../../policy/common/input';

export function invalidInput(workflowType: string, problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidInput,
    message: `invalid ${workflowType} input: ${problems.join('; ')}`,
    nonRetryable: true,
  });
}

/** The parsed input, or a non-retryable InvalidInput failure naming every problem. */
export function validInput<T>(workflowType: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalidInput(workflowType, parsed.problems);
  return parsed.value;
}
