// jarvis-scale autoscale pause|resume: pauses or resumes the Schedule autoscale/<service>.
import { autoscaleScheduleId } from '../contracts/scaling';
import { CliError, ExitCode } from './errors';
import type { Output } from './output';
import { knownService, withSession, type GlobalOptions } from './session';

export async function autoscaleCommand(_g: GlobalOptions, out: Output, action: 'pause' | 'resume', service: string): Promise<void> {
  await withSession(async (session) => {
    knownService(service, session.config.services);
    const handle = session.client.schedule.getHandle(autoscaleScheduleId(service));
    const note = `${action === 'pause' ? 'paused' : 'resumed'} with jarvis-scale at ${new Date().toISOString()}`;
    try {
      if (action === 'pause') await handle.pause(note);
      else await handle.unpause(note);
    } catch (error) {
      if ((error as Error).name === 'ScheduleNotFoundError') {
        throw new CliError(
          `the schedule ${autoscaleScheduleId(service)} does not exist`,
          ExitCode.failed,
          'start the worker (it creates the schedule): bash infra/local/worker.sh start',
        );
      }
      throw error;
    }
    const d = await handle.describe();
    out.result(
      { ok: true, scheduleId: handle.scheduleId, paused: d.state.paused, note: d.state.note ?? null },
      () => `${handle.scheduleId}: ${d.state.paused ? 'paused' : 'running'}`,
    );
  });
}
