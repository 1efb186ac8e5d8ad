import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  addToNginx,
  cleanUpInstances,
  nginxUrl,
  removeFromNginx,
  startInstancesBehindNginx,
  startReadyInstances,
  waitNginxServes,
} from '../../testkit/app-instances';

const SESSIONS = 1_000;
const CONCURRENCY = 25;

interface Visit {
  instance: string;
  visits: number;
  cookie: string;
}

/** Runs fn for 0..count-1 with a bounded number in flight. */
async function forEachLimited(count: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

// A fresh client connection per request: nginx closes idle client connections when it
// reloads, and a POST sent on such a connection at that moment fails in the client, not in
// the app. (The shutdown test covers requests in flight across an instance's exit.)
const CLOSE = { connection: 'close' };

async function countVisit(cookie?: string): Promise<Visit> {
  const res = await fetch(`${nginxUrl}/api/session/counter`, { method: 'POST', headers: cookie ? { cookie, ...CLOSE } : CLOSE });
  const body = (await res.json()) as { visits: number; instance: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  const setCookie = res.headers.get('set-cookie');
  return {
    instance: res.headers.get('x-instance-id') ?? '?',
    visits: body.visits,
    cookie: setCookie ? setCookie.split(';')[0] : (cookie ?? ''),
  };
}

function tally(instances: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of instances) counts[i] = (counts[i] ?? 0) + 1;
  return counts;
}

describe('sessions through nginx while instances come and go', () => {
  after(cleanUpInstances);

  it('keeps the data of 1,000 sessions, moving only about 1/N of them per change', async () => {
    const [one, two, three] = await startInstancesBehindNginx([1, 2, 3]);

    // Round 1: new sessions, spread evenly although none has a cookie yet.
    const first: Visit[] = new Array(SESSIONS);
    const home: string[] = new Array(SESSIONS);
    await forEachLimited(SESSIONS, async (i) => {
      first[i] = await countVisit();
      const put = await fetch(`${nginxUrl}/api/session/data`, {
        method: 'PUT',
        headers: { cookie: first[i].cookie, 'content-type': 'application/json', ...CLOSE },
        body: JSON.stringify({ user: `user-${i}` }),
      });
      assert.equal(put.status, 200);
      // The first request had no cookie and went anywhere; from now on the cookie's hash decides.
      home[i] = put.headers.get('x-instance-id') ?? '?';
    });
    assert.equal(new Set(first.map((v) => v.cookie)).size, SESSIONS, 'every session got its own cookie');
    assert.ok(first.every((v) => v.visits === 1));
    const spread = tally(first.map((v) => v.instance));
    for (const id of [one.id, two.id, three.id]) {
      assert.ok(spread[id] > SESSIONS * 0.2 && spread[id] < SESSIONS * 0.47, `first requests spread evenly: ${JSON.stringify(spread)}`);
    }

    // Round 2: a fourth instance joins. Sessions keep their data; only those the new instance takes move.
    const [four] = await startReadyInstances([4]);
    await addToNginx(four);
    await waitNginxServes([one.id, two.id, three.id, four.id]);
    const second: Visit[] = new Array(SESSIONS);
    await forEachLimited(SESSIONS, async (i) => void (second[i] = await countVisit(first[i].cookie)));
    assert.ok(
      second.every((v) => v.visits === 2),
      'every session kept its counter after the scale-up',
    );
    const movedUp = second.filter((v, i) => v.instance !== home[i]);
    assert.ok(
      movedUp.every((v) => v.instance === four.id),
      'sessions only move to the new instance',
    );
    assert.ok(
      movedUp.length > SESSIONS * 0.1 && movedUp.length < SESSIONS * 0.45,
      `about 1/4 of sessions moved on scale-up: ${movedUp.length}`,
    );
    // Sticky: a second request of the same session lands where the first did.
    const again = await countVisit(second[0].cookie);
    assert.equal(again.instance, second[0].instance);

    // Round 3: instance one leaves (out of nginx, then SIGTERM). No session is lost.
    await removeFromNginx(one);
    await waitNginxServes([two.id, three.id, four.id]);
    assert.equal((await one.stop('SIGTERM')).code, 0);
    const third: Visit[] = new Array(SESSIONS);
    await forEachLimited(SESSIONS, async (i) => void (third[i] = await countVisit(first[i].cookie)));
    assert.ok(
      third.every((v, i) => v.visits === (i === 0 ? 4 : 3)),
      'every session kept its counter after the scale-down',
    );
    const movedDown = third.map((v, i) => ({ now: v.instance, before: second[i].instance })).filter((m) => m.now !== m.before);
    const strays = third
      .map((v, i) => ({ i, home: home[i], second: second[i].instance, now: v.instance }))
      .filter((m) => m.now !== m.second && m.second !== one.id);
    assert.deepEqual(strays, [], 'only the leaving instance’s sessions move');
    assert.equal(movedDown.length, second.filter((v) => v.instance === one.id).length);

    // The data written in round 1 is still there, read through whichever instance serves it now.
    await forEachLimited(SESSIONS, async (i) => {
      const res = await fetch(`${nginxUrl}/api/session`, { headers: { cookie: first[i].cookie, ...CLOSE } });
      const body = (await res.json()) as { data: Record<string, string>; isNew: boolean };
      assert.equal(body.isNew, false);
      assert.equal(body.data.data_user, `user-${i}`);
    });
    console.log(
      `sessions: first spread ${JSON.stringify(spread)}; moved on scale-up ${movedUp.length}/${SESSIONS}; moved on scale-down ${movedDown.length}/${SESSIONS}`,
    );
  });
});
