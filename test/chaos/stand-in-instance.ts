// A process that carries an instance's labels and only sleeps: the instance checks count
// processes as the kernel sees them, so it stands in for an orphan or an extra instance.
import { spawn, type ChildProcess } from 'node:child_process';
import { MANAGED_BY } from '../../activities/scaling/orchestrator';
import { SERVICE } from '../../testkit/platform';
import { testWorkerConfig } from '../../testkit/stack';

export function spawnStandInInstance(number: number, version: string, seconds: number): ChildProcess {
  return spawn('sleep', [String(seconds)], {
    env: {
      PATH: process.env.PATH,
      JARVIS_MANAGED_BY: MANAGED_BY,
      JARVIS_STACK_ID: testWorkerConfig().stateDir,
      SERVICE_NAME: SERVICE,
      INSTANCE_ID: `${SERVICE}-${number}`,
      PORT: '1',
      APP_VERSION: version,
    },
    stdio: 'ignore',
  });
}
