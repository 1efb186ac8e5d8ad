import { instanceIndex, instanceName } from '../../contracts/scaling';

export interface ExistingInstance {
  name: string;
}

export interface PlannedInstance {
  name: string;
  index: number;
  port: number;
}

/**
 * Names and ports for `count` new instances: the lowest indexes no existing instance holds,
 * so a retried or resumed plan over the same listing yields the same names.
 */
export function planNewInstances(
  service: string,
  existing: readonly ExistingInstance[],
  count: number,
  basePort: number,
): PlannedInstance[] {
  const taken = new Set<number>();
  for (const instance of existing) {
    const index = instanceIndex(service, instance.name);
    if (index !== undefined) taken.add(index);
  }
  const planned: PlannedInstance[] = [];
  for (let index = 1; planned.length < count; index++) {
    if (taken.has(index)) continue;
    planned.push({ name: instanceName(service, index), index, port: basePort + index });
  }
  return planned;
}
