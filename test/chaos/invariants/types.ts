// What an invariant check returns: its name, whether it held, and what was seen.
export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

export const held = (name: string, detail: string): InvariantResult => ({ name, ok: true, detail });
export const broken = (name: string, detail: string): InvariantResult => ({ name, ok: false, detail });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Re-runs `check` until it holds or `timeoutMs` passes; returns the last result. Settling states (a reload, a rejoin) get time to settle. */
export async function eventually(check: () => Promise<InvariantResult>, timeoutMs: number, intervalMs = 500): Promise<InvariantResult> {
  const deadline = Date.now() + timeoutMs;
  let last = await check();
  for (let i = 0; !last.ok && Date.now() < deadline && i < 10_000; i++) {
    await sleep(intervalMs);
    last = await check().catch((error: Error) => broken(last.name, `check threw: ${error.message}`));
  }
  return last;
}
