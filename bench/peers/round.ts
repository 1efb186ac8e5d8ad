// One failover round on one side: the writer runs against the side's own routing, the
// primary is killed, and four moments are taken after the kill: the side's own view shows
// the failure (detection), some server accepts writes (promotion), the writer reaches a
// writable server the side names (re-point), and its first acknowledged commit there.
// Afterwards no acknowledged row may be missing on the server that took the writes.
import { writable } from '../pg-writer';
import { RoutedWriter } from './routed-writer';
import { pollUntil, sleep, type KillKind, type Side } from './side';

export interface RoundFigures {
  configuration: string;
  side: string;
  kill: KillKind;
  round: number;
  startedAt: string;
  killed: string;
  /** The server that acknowledged the first write after the kill. */
  newPrimary: string;
  /** The primary the side named when the acknowledged rows were counted. */
  checkedOn: string;
  /** null: the side's own view never showed the failure before the first write (it restarted the server in place). */
  detectionMs: number | null;
  promotionMs: number;
  repointMs: number;
  firstAckMs: number;
  acked: number;
  lostAcknowledged: number;
}

export const ROUND_TIMEOUT_MS = 240_000;

/** The first moment after the kill that any of the side's servers accepts writes on a new connection. */
function promotion(side: Side): Promise<number> {
  return pollUntil(
    async () => ((await writable(side.servers, side.login)).length > 0 ? Date.now() : undefined),
    ROUND_TIMEOUT_MS,
    `${side.name}: a writable server after the kill`,
  );
}

/** The side's detection, or null when the failover was over (plus 2 s) before the side's view showed it. */
async function detection(side: Side, primary: string, killedAtMs: number, firstAck: Promise<unknown>): Promise<number | null> {
  const seen = side.detected(primary, killedAtMs, ROUND_TIMEOUT_MS).catch(() => null);
  const late = firstAck.then(() => sleep(2000)).then(() => null);
  return Promise.race([seen, late]);
}

export async function runRound(side: Side, kind: KillKind, round: number): Promise<RoundFigures> {
  const primary = await side.waitStable(300_000);
  const writer = new RoutedWriter(() => side.locatePrimary(), side.login, 'bench_peer_writes');
  await writer.prepare();
  const startedAt = new Date().toISOString();
  writer.start();
  try {
    await writer.waitForAcks(100);
    await sleep(1000);
    const killedAtMs = Date.now();
    writer.markKill(killedAtMs);
    await side.kill(primary, kind);
    const promotedAt = promotion(side);
    const firstAck = writer.firstAckAfter(killedAtMs, ROUND_TIMEOUT_MS);
    const detectedAt = await detection(side, primary, killedAtMs, firstAck);
    const [promoted, ack] = await Promise.all([promotedAt, firstAck]);
    await writer.waitForAcks(20);
    await writer.stop();
    // Loss is counted on the primary the side names once the writer has stopped (the server that
    // took the first write after the kill may have been demoted and rewound since).
    const lost = await pollUntil(
      async () => {
        const primary = await side.locatePrimary();
        return primary && { name: primary.name, lost: await writer.lostOn(primary.port) };
      },
      60_000,
      `${side.name}: counting acknowledged rows on the primary it names`,
      500,
    );
    const figures: RoundFigures = {
      configuration: `${side.name}/${kind}`,
      side: side.name,
      kill: kind,
      round,
      startedAt,
      killed: primary,
      newPrimary: ack.server,
      checkedOn: lost.name,
      detectionMs: detectedAt === null ? null : detectedAt - killedAtMs,
      // The writer's own writable connection is a promotion seen too (the prober polls every 50 ms).
      promotionMs: Math.min(promoted, writer.repointedAtMs ?? promoted) - killedAtMs,
      repointMs: (writer.repointedAtMs ?? ack.connectedAtMs) - killedAtMs,
      firstAckMs: ack.atMs - killedAtMs,
      acked: writer.acked.length,
      lostAcknowledged: lost.lost,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    await writer.stop();
    await side.recover(primary, kind);
  }
}
