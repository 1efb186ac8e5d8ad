// The open-loop GET+POST mix through the load balancer that the scale-event bench and test
// run: GET /api/ping and POST /api/session/counter in turn, each POST with one of a few real
// session cookies (so the consistent hash pins each session to one instance).
import { startAttack, type VegetaAttack, type VegetaTarget } from './vegeta';

export interface MixOptions {
  /** The load balancer, such as http://127.0.0.1:8080. */
  baseUrl: string;
  ratePerSecond: number;
  maxSeconds: number;
  sessions?: number;
}

/** A session cookie the app issued, through the load balancer. */
async function sessionCookie(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/session`, { headers: { connection: 'close' } });
  await res.arrayBuffer();
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 200 || !cookie) throw new Error(`GET ${baseUrl}/api/session gave HTTP ${res.status} and no session cookie`);
  return cookie;
}

export async function mixTargets(baseUrl: string, sessions = 8): Promise<VegetaTarget[]> {
  const cookies: string[] = [];
  for (let i = 0; i < sessions; i++) cookies.push(await sessionCookie(baseUrl));
  return cookies.flatMap((cookie) => [
    { method: 'GET' as const, url: `${baseUrl}/api/ping` },
    { method: 'POST' as const, url: `${baseUrl}/api/session/counter`, headers: { cookie, 'content-type': 'application/json' }, body: '{}' },
  ]);
}

export async function startScaleMix(options: MixOptions): Promise<VegetaAttack> {
  return startAttack({
    targets: await mixTargets(options.baseUrl, options.sessions),
    ratePerSecond: options.ratePerSecond,
    maxSeconds: options.maxSeconds,
  });
}
