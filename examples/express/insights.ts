import { pathToFileURL } from 'node:url';
import { days, hours, type AttributionPath, type ChallengeFunnel, type Conversion, type Insights, type InsightsDay } from 'sharelock';
import { AGENTS } from '../shared/agents.js';
import { Device } from '../shared/cookie-jar.js';

/**
 * `npm run demo:insights [base-url]`: plays a small population against a running example
 * (`npm start`) on its simulated clock (`POST /dev/clock`): sharers challenged on paid accounts
 * who sign up on their own (from the challenge, after logging out, after the owner logged them
 * out, from another of their devices), some who never answer, an ordinary signup, and one too
 * late to count. Then it prints what `guard.insights()` says about it (`GET /dev/insights`).
 */

const HOUR = hours(1);
const DAY = days(1);

type DevInsights = Insights & { now: string; conversions: Conversion[] };

/** What one member of the population did, and whether sharelock counted it as expected. */
export interface Played {
  account: string;
  story: string;
  /** The attribution expected, or `none` when the signup must not count (or nobody signed up). */
  expect: AttributionPath | 'none';
  /** What the signup page said: `recorded` when sharelock recorded a conversion. */
  signup?: 'recorded' | 'not recorded';
  ok: boolean;
}

/** A shared account: the owner's laptop and a friend's Mac are in; a phone is challenged. */
interface Shared {
  account: string;
  owner: Device;
  friend: Device;
  phone: Device;
  /** The phone's challenge page. */
  url: string;
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

class Play {
  constructor(
    readonly base: string,
    readonly run: string,
  ) {}

  /** Now, on the example's clock. */
  async now(): Promise<number> {
    const response = await fetch(new URL('/dev/clock', this.base));
    if (response.status === 404) throw new Error(`${this.base} has no /dev/clock: run the example in development (npm start, without NODE_ENV=production).`);
    return Date.parse(((await response.json()) as { now: string }).now);
  }

  async wait(ms: number): Promise<void> {
    const response = await fetch(new URL('/dev/clock', this.base), { method: 'POST', body: new URLSearchParams({ advance: `${Math.round(ms)}ms` }) });
    if (!response.ok) throw new Error(`POST /dev/clock answered ${response.status}: ${await response.text()}`);
  }

  async device(account: string, agent: string): Promise<Device> {
    const device = new Device(this.base, { 'user-agent': agent });
    const response = await device.login(account);
    if (response.status !== 303) throw new Error(`Logging in as ${account} answered ${response.status}.`);
    return device;
  }

  /** Two devices watch, a third is challenged (the plan allows 2). */
  async shared(name: string): Promise<Shared> {
    const account = `${name}-${this.run}`;
    const owner = await this.device(account, AGENTS.windows);
    const friend = await this.device(account, AGENTS.mac);
    const phone = await this.device(account, AGENTS.iphone);
    for (const device of [owner, friend]) await this.watch(device, 200);
    const challenged = await phone.request('/watch/1');
    await challenged.arrayBuffer();
    const url = challenged.headers.get('location') ?? '';
    if (challenged.status !== 303 || !url.includes('/challenge/')) throw new Error(`${account}'s third device was not challenged (${challenged.status}).`);
    return { account, owner, friend, phone, url };
  }

  async watch(device: Device, expected: number): Promise<void> {
    const response = await device.request('/watch/1');
    await response.arrayBuffer();
    if (response.status !== expected) throw new Error(`/watch/1 answered ${response.status}, not ${expected}.`);
  }

  /** Open the challenge page and press one of its buttons; returns where it sent the device. */
  async choose(device: Device, url: string, action: 'new-account' | 'logout'): Promise<string> {
    const csrf = csrfOf(await (await device.request(url)).text());
    const response = await device.request(`${url}/${action}`, { form: { _csrf: csrf } });
    await response.arrayBuffer();
    return response.headers.get('location') ?? '';
  }

  /** Only open the challenge page (it counts as presented), then leave. */
  async look(device: Device, url: string): Promise<void> {
    await (await device.request(url)).arrayBuffer();
  }

  /** "I'm the owner" with the code from the outbox, log the most recently used other device out, continue. */
  async ownerLogsOut(device: Device, url: string, account: string): Promise<void> {
    const csrf = csrfOf(await (await device.request(url)).text());
    await (await device.request(`${url}/owner`, { form: { _csrf: csrf } })).arrayBuffer();
    const outbox = await (await device.request('/dev/outbox')).text();
    const code = new RegExp(`<code>(\\d+)</code> to ${account.replace(/[.]/g, '\\.')}@example\\.com`).exec(outbox)?.[1];
    if (!code) throw new Error(`No code for ${account} at /dev/outbox.`);
    await (await device.request(`${url}/verify`, { form: { _csrf: csrf, code } })).arrayBuffer();
    const page = await (await device.request(`${url}/devices`)).text();
    const [newest] = [...page.matchAll(/name="device" value="([^"]+)"/g)].map((m) => m[1]!);
    if (!newest) throw new Error(`The devices page of ${account} lists no device to log out.`);
    await (await device.request(`${url}/kick`, { form: { _csrf: csrf, device: newest } })).arrayBuffer();
    const done = await device.request(`${url}/complete`, { form: { _csrf: csrf } });
    await done.arrayBuffer();
    if (done.status !== 303) throw new Error(`Completing ${account}'s challenge answered ${done.status}.`);
  }

  async signUp(device: Device, name: string, plan: 'premium' | 'family'): Promise<'recorded' | 'not recorded'> {
    const response = await device.request('/signup', { form: { user: `${name}-${this.run}`, plan } });
    const page = await response.text();
    if (response.status !== 200) throw new Error(`POST /signup answered ${response.status}.`);
    return page.includes('a conversion from the shared account') ? 'recorded' : 'not recorded';
  }

  async insights(from: number, to: number): Promise<DevInsights> {
    const day = (at: number) => new Date(at).toISOString().slice(0, 10);
    const response = await fetch(new URL(`/dev/insights?from=${day(from)}&to=${day(to)}`, this.base));
    if (!response.ok) throw new Error(`GET /dev/insights answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as DevInsights;
  }
}

/** The population, in the order it plays; each one's story is printed with its outcome. */
const POPULATION: ReadonlyArray<{ name: string; story: string; expect: AttributionPath | 'none'; play(p: Play): Promise<'recorded' | 'not recorded' | undefined> }> = [
  {
    name: 'ana',
    story: 'a friend\'s phone is challenged, chooses "Create my own account" and signs up at once (premium)',
    expect: 'challenge',
    async play(p) {
      const s = await p.shared('ana');
      await p.choose(s.phone, s.url, 'new-account');
      return p.signUp(s.phone, 'ana-friend', 'premium');
    },
  },
  {
    name: 'ben',
    story: 'a cousin\'s phone is challenged, chooses "Create my own account", signs up two days later (family)',
    expect: 'challenge',
    async play(p) {
      const s = await p.shared('ben');
      await p.choose(s.phone, s.url, 'new-account');
      await p.wait(2 * DAY);
      return p.signUp(s.phone, 'ben-cousin', 'family');
    },
  },
  {
    name: 'cleo',
    story: 'a flatmate\'s phone chooses "Log out this device", then signs up a week later (premium)',
    expect: 'challenge',
    async play(p) {
      const s = await p.shared('cleo');
      await p.choose(s.phone, s.url, 'logout');
      await p.wait(7 * DAY);
      return p.signUp(s.phone, 'cleo-flatmate', 'premium');
    },
  },
  {
    name: 'dev',
    story: "the owner, on a new phone, proves it with the code and logs the friend's Mac out; the Mac signs up 3 days later",
    expect: 'kicked',
    async play(p) {
      const s = await p.shared('dev');
      await p.ownerLogsOut(s.phone, s.url, s.account);
      const out = await s.friend.request('/watch/1');
      await out.arrayBuffer();
      if (out.headers.get('location') !== '/logout?reason=owner') throw new Error(`dev's friend was not logged out (${out.status}).`);
      await p.wait(3 * DAY);
      return p.signUp(s.friend, 'dev-friend', 'premium');
    },
  },
  {
    name: 'eli',
    story: "a sharer's phone is challenged and left; the same sharer signs up from the Mac that was let in before",
    expect: 'history',
    async play(p) {
      const s = await p.shared('eli');
      await p.look(s.phone, s.url);
      await p.wait(DAY);
      return p.signUp(s.friend, 'eli-friend', 'premium');
    },
  },
  {
    name: 'fay',
    story: 'a challenged phone opens the page and leaves: abandoned',
    expect: 'none',
    async play(p) {
      const s = await p.shared('fay');
      await p.look(s.phone, s.url);
      return undefined;
    },
  },
  {
    name: 'gus',
    story: 'a challenged phone never even opens the page: abandoned',
    expect: 'none',
    async play(p) {
      await p.shared('gus');
      return undefined;
    },
  },
  {
    name: 'hal',
    story: 'a visitor who was never challenged signs up: an ordinary signup, not counted',
    expect: 'none',
    async play(p) {
      return p.signUp(new Device(p.base, { 'user-agent': AGENTS.pixel }), 'hal', 'premium');
    },
  },
  {
    name: 'ivy',
    story: 'a challenged phone chooses "Create my own account" but signs up 31 days later: outside the 30-day window',
    expect: 'none',
    async play(p) {
      const s = await p.shared('ivy');
      await p.choose(s.phone, s.url, 'new-account');
      await p.wait(31 * DAY);
      return p.signUp(s.phone, 'ivy-friend', 'premium');
    },
  },
];

/** Play the population against the example at `base`; `log` receives the report line by line. */
export async function playInsights(base: string, options: { log?: (line: string) => void; run?: string } = {}): Promise<{ played: Played[]; figures: DevInsights }> {
  const log = options.log ?? (() => {});
  const p = new Play(base, options.run ?? Date.now().toString(36).slice(-4));
  const start = await p.now();
  log(`Conversions and revenue on ${base}: ${POPULATION.length} households on the example's simulated clock (days in UTC).`);
  log('Each paid account allows 2 devices; a third is challenged. Signing up at /signup costs 9.99 EUR (premium) or 14.99 EUR (family).');
  log('');
  const played: Played[] = [];
  for (const member of POPULATION) {
    await p.wait(HOUR);
    const signup = await member.play(p);
    const ok = member.expect === 'none' ? signup !== 'recorded' : signup === 'recorded';
    played.push({ account: `${member.name}-${p.run}`, story: member.story, expect: member.expect, ...(signup ? { signup } : {}), ok });
    const outcome = signup === undefined ? 'no signup' : signup === 'recorded' ? `conversion recorded (${member.expect})` : 'signup, no conversion';
    log(`${ok ? '✓' : '✗'} ${member.name.padEnd(5)} ${member.story}`);
    log(`        → ${outcome}`);
  }
  const figures = await p.insights(start, await p.now());
  for (const line of report(figures)) log(line);
  const failed = played.filter((m) => !m.ok).length;
  log('');
  log(failed === 0 ? `All ${played.length} played as expected. The figures as JSON: ${base}/dev/insights` : `${failed} of ${played.length} not as expected.`);
  return { played, figures };
}

const COLUMNS: Array<[keyof ChallengeFunnel, string]> = [
  ['created', 'opened'],
  ['presented', 'seen'],
  ['newAccount', 'new acct'],
  ['loggedOut', 'log out'],
  ['verifiedOwner', 'owner'],
  ['devicesLoggedOut', 'kicked'],
  ['abandoned', 'abandoned'],
  ['open', 'open'],
];

/** The figures as a table: the days with activity, then the totals. */
export function report(figures: Insights): string[] {
  const money = (revenue: Record<string, number>) => Object.entries(revenue).map(([currency, amount]) => `${amount.toFixed(2)} ${currency}`).join(', ') || '—';
  const row = (label: string, f: Omit<InsightsDay, 'day'>) =>
    `  ${label.padEnd(10)} ${COLUMNS.map(([key, title]) => String(f.challenges[key]).padStart(title.length)).join(' ')} ${String(f.conversions).padStart(11)}  ${money(f.revenue)}`;
  const lines = ['', `Insights ${figures.from} → ${figures.to} (challenges by the day they were opened; conversions by the day they were recorded):`];
  lines.push(`  ${'day'.padEnd(10)} ${COLUMNS.map(([, title]) => title).join(' ')} conversions  revenue`);
  for (const day of figures.days) {
    if (day.challenges.created === 0 && day.conversions === 0) continue;
    lines.push(row(day.day, day));
  }
  lines.push(row('total', figures.totals));
  const { conversions, conversionsVia: via, challenges } = figures.totals;
  const rate = challenges.created === 0 ? 0 : Math.round((100 * conversions) / challenges.created);
  lines.push('', `${conversions} conversions from ${challenges.created} challenges (${rate}%): ${via.challenge} from the challenged device, ${via.kicked} logged out by the owner, ${via.history} from another device of a challenged account; revenue ${money(figures.totals.revenue)}.`);
  return lines;
}

async function main(): Promise<void> {
  const base = process.argv[2] ?? process.env.STREAMLY_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  try {
    const { played } = await playInsights(base, { log: (l) => console.log(l) });
    process.exitCode = played.every((m) => m.ok) ? 0 : 1;
  } catch (error) {
    const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
    console.error(refused ? `Nothing listens on ${base}. Start the example first (npm start), then run this again.` : `The insights demo failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
