// Every scaling operation of a service runs under the service's mutex, scale/<service>.
import { scaleMutexId } from '../../contracts/scaling';
import { underMutex } from '../common/mutex';

/** Runs `body` as `operation` under the mutex of `input.service` (see underMutex); `summary` labels the run. */
export function underServiceMutex<I extends { service: string }, R>(
  workflow: (input: I) => Promise<R>,
  input: I,
  operation: string,
  summary: string,
  body: () => Promise<R>,
): Promise<R> {
  return underMutex(workflow, scaleMutexId(input.service), input, { service: input.service, operation, summary }, body);
}
