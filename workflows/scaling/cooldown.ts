import { sleep } from '@temporalio/workflow';
import type { Report } from './instance-steps';

/** Holds the service's scaling mutex for the cooldown: the workflow sleeps while it still owns scale/<service>. */
export async function holdCooldown(service: string, seconds: number, report: Report): Promise<void> {
  if (seconds <= 0) return;
  report('cooldown', `cooldown: holding the ${service} scaling lock for ${seconds} s`);
  await sleep(seconds * 1000);
}
