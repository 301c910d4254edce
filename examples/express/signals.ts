import { pathToFileURL } from 'node:url';
import { days, hours, minutes, PRESETS, type Reason, type VerdictKind } from 'sharelock';
import { AGENTS } from '../shared/agents.js';
import { Device } from '../shared/cookie-jar.js';
import type { LoggedDecision } from '../shared/dev.js';

/**
 * `npm run demo:signals [base-url]`: plays one short scenario per sharing signal against a running
 * example (`npm start`), each with a new account, from real places, on the example's simulated
 * clock (`POST /dev/clock`), and prints what sharelock decided and why (`GET /dev/decisions`).
 * The honest cases at the end must stay 200.
 */

/** Where a request comes from: its address, and what Cloudflare's location headers say about it. */
interface Place {
  name: string;
  ip: string;
  lat: number;
  lon: number;
  country: string;
}

const PARIS = { name: 'Paris', lat: 48.8566, lon: 2.3522, country: 'FR' };
const PARIS_HOME: Place = { ...PARIS, ip: '90.63.212.17' };
/** The same home on IPv6 (its own /56): phones prefer it once the prefix is up. */
const PARIS_HOME_V6: Place = { ...PARIS, name: 'Paris, IPv6', ip: '2a01:cb00:81a:5600:4d1e:92ff:fe10:7c3a' };
const LILLE: Place = { name: 'Lille', ip: '92.154.60.12', lat: 50.6292, lon: 3.0573, country: 'FR' };
const NEW_YORK: Place = { name: 'New York', ip: '96.224.10.20', lat: 40.7128, lon: -74.006, country: 'US' };
/** A rotating proxy's exits in Paris: another /24 each time. */
const parisExit = (n: number): Place => ({ ...PARIS, name: 'Paris, another network', ip: `176.160.${32 + n}.45` });

const MINUTE = minutes(1);
const HOUR = hours(1);
const DAY = days(1);
/** Scenarios start in the evening (UTC), when people watch. */
const EVENING = 19;

/** One request to `/watch/1` and what sharelock decided for it. */
export interface Step {
  at: number;
  label: string;
  status: number;
  /** `cached` when no decision was logged (an `allow` reused from the verdict cache). */
  verdict: VerdictKind | 'cached';
  challenge?: string;
  reasons: Reason[];
}

/** What a scenario must show: the status, verdict and check of its key step. Honest scenarios: 200 everywhere, no reasons. */
export interface Expectation {
  status: number;
  verdict: VerdictKind;
  challenge?: 'verify' | 'device_limit';
  check?: string;
  monitor?: boolean;
}

export interface ScenarioResult {
  signal: string;
  account: string;
  summary: string;
  steps: Step[];
  /** The step the scenario is about (the last one for honest scenarios). */
  key: Step | undefined;
  expect: Expectation | 'honest';
  ok: boolean;
}

interface Scenario {
  /** The check it shows, or `honest` for a case that must not fire. */
  signal: string;
  account: string;
  summary: string;
  expect: Expectation | 'honest';
  /** The hour (UTC) it starts at. Default: the evening. */
  start?: number;
  play(play: Play): Promise<void>;
}

/** A browser of the scenario's account, logged in. */
interface Screen {
  label: string;
  device: Device;
}

/** The example's development endpoints, and the steps of the scenario being played. */
class Play {
  readonly steps: Step[] = [];
  key: Step | undefined;
  #now = 0;
  #lastDecision = 0;

  constructor(
    readonly base: string,
    readonly account = '',
  ) {}

  get now(): number {
    return this.#now;
  }

  async start(): Promise<void> {
    const response = await fetch(new URL('/dev/clock', this.base));
    if (response.status === 404) throw new Error(`${this.base} has no /dev/clock: run the example in development (npm start, without NODE_ENV=production).`);
    this.#now = Date.parse(((await response.json()) as { now: string }).now);
    const decisions = await this.#decisions();
    this.#lastDecision = decisions[0]?.n ?? 0;
  }

  /** Move the example's clock forward. */
  async wait(ms: number): Promise<void> {
    const response = await fetch(new URL('/dev/clock', this.base), { method: 'POST', body: new URLSearchParams({ advance: `${Math.round(ms)}ms` }) });
    if (!response.ok) throw new Error(`POST /dev/clock answered ${response.status}: ${await response.text()}`);
    this.#now = Date.parse(((await response.json()) as { now: string }).now);
  }

  /** Wait until the next time it is `hour`:00 (UTC). */
  async until(hour: number): Promise<void> {
    await this.wait(DAY - ((this.#now - hour * HOUR) % DAY));
  }

  async screen(label: string, agent: string): Promise<Screen> {
    const device = new Device(this.base, { 'user-agent': agent });
    const response = await device.login(this.account);
    if (response.status !== 303) throw new Error(`Logging in as ${this.account} answered ${response.status}.`);
    return { label, device };
  }

  /** Open the paid page as the app's player would (JSON), from a place; record what sharelock decided. */
  async open(screen: Screen, place: Place, label = `${screen.label} · ${place.name}`): Promise<Step> {
    const response = await screen.device.request('/watch/1', {
      headers: { accept: 'application/json', 'x-forwarded-for': place.ip, 'cf-iplatitude': String(place.lat), 'cf-iplongitude': String(place.lon), 'cf-ipcountry': place.country },
    });
    await response.arrayBuffer();
    const decision = (await this.#decisions())[0];
    if (decision) this.#lastDecision = decision.n;
    const step: Step = {
      at: decision ? Date.parse(decision.at) : this.#now,
      label,
      status: response.status,
      verdict: decision?.verdict ?? 'cached',
      ...(decision?.challenge ? { challenge: decision.challenge } : {}),
      reasons: decision?.reasons ?? [],
    };
    this.steps.push(step);
    return step;
  }

  async #decisions(): Promise<LoggedDecision[]> {
    const url = new URL('/dev/decisions', this.base);
    if (this.account) url.searchParams.set('account', this.account);
    url.searchParams.set('after', String(this.#lastDecision));
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET /dev/decisions answered ${response.status}: run the example in development.`);
    return ((await response.json()) as { decisions: LoggedDecision[] }).decisions;
  }
}

const { travel, velocity, people } = PRESETS.default;

/** The scenarios, one per signal, then the honest cases. Thresholds come from the default preset. */
export const SCENARIOS: readonly Scenario[] = [
  {
    signal: 'device_count',
    account: 'sig-limit',
    summary: 'a laptop, a phone, then a TV at home; the plan allows 2 devices',
    expect: { status: 403, verdict: 'challenge', challenge: 'device_limit', check: 'device_count' },
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      const phone = await p.screen('phone', AGENTS.iphone);
      const tv = await p.screen('TV', AGENTS.tv);
      await p.open(laptop, PARIS_HOME);
      await p.wait(MINUTE);
      await p.open(phone, PARIS_HOME);
      await p.wait(MINUTE);
      p.key = await p.open(tv, PARIS_HOME);
    },
  },
  {
    signal: 'mobile_device_count',
    account: 'family-phones',
    summary: 'the family plan (4 devices, at most 2 phones): a laptop and three phones at home',
    expect: { status: 403, verdict: 'challenge', challenge: 'device_limit', check: 'mobile_device_count' },
    async play(p) {
      const screens = [await p.screen('laptop', AGENTS.windows), await p.screen('iPhone', AGENTS.iphone), await p.screen('Pixel', AGENTS.pixel), await p.screen('Galaxy', AGENTS.galaxy)];
      for (const screen of screens) {
        p.key = await p.open(screen, PARIS_HOME);
        await p.wait(MINUTE);
      }
    },
  },
  {
    signal: 'impossible_travel',
    account: 'sig-travel',
    summary: 'a laptop in Paris, then another computer in New York a minute later, two days running',
    expect: { status: 403, verdict: 'challenge', challenge: 'verify', check: 'impossible_travel' },
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      const desktop = await p.screen('desktop', AGENTS.mac);
      await p.open(laptop, PARIS_HOME);
      await p.wait(MINUTE);
      await p.open(desktop, NEW_YORK); // one hop alone could be a misplaced network
      await p.wait(DAY - MINUTE);
      await p.open(laptop, PARIS_HOME);
      await p.wait(MINUTE);
      p.key = await p.open(desktop, NEW_YORK);
    },
  },
  {
    signal: 'cloned_device',
    account: 'sig-clone',
    summary: "a laptop's device cookie copied to a browser in New York; both keep watching",
    expect: { status: 403, verdict: 'challenge', challenge: 'verify', check: 'cloned_device' },
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      await p.open(laptop, PARIS_HOME);
      const copy: Screen = { label: 'the copied cookie', device: laptop.device.copy({ 'user-agent': AGENTS.mac }) };
      // Both places in use the day before: a copied cookie jumps between homes, not misplaced networks.
      await p.wait(2 * MINUTE);
      await p.open(copy, NEW_YORK);
      await p.wait(DAY);
      await p.open(laptop, PARIS_HOME);
      await p.wait(2 * MINUTE);
      await p.open(copy, NEW_YORK); // one jump alone could be a misplaced network
      await p.wait(2 * MINUTE);
      await p.open(laptop, PARIS_HOME); // and so could one jump back
      await p.wait(2 * MINUTE);
      p.key = await p.open(copy, NEW_YORK);
    },
  },
  {
    signal: 'concurrent_sessions',
    account: 'sig-concurrent',
    summary: 'a friend in Lille watches while the owner watches at home in Paris (recorded only)',
    expect: { status: 200, verdict: 'allow', check: 'concurrent_sessions', monitor: true },
    async play(p) {
      const owner = await p.screen('laptop', AGENTS.windows);
      const friend = await p.screen("friend's laptop", AGENTS.linux);
      await p.open(owner, PARIS_HOME);
      await p.wait(2 * MINUTE);
      p.key = await p.open(friend, LILLE);
    },
  },
  {
    signal: 'people_count',
    account: 'sig-people',
    summary: "a second home in Lille, in use every evening alongside the owner's in Paris",
    expect: { status: 403, verdict: 'challenge', challenge: 'verify', check: 'people_count' },
    async play(p) {
      const owner = await p.screen('laptop', AGENTS.windows);
      const friend = await p.screen("friend's laptop", AGENTS.linux);
      await p.open(owner, PARIS_HOME); // the owner's first evening: the main household has the most days
      for (let day = 1; day <= people.minDays + 2; day++) {
        await p.until(EVENING);
        await p.open(owner, PARIS_HOME);
        await p.wait(2 * MINUTE);
        p.key = await p.open(friend, LILLE);
        if (p.key.status !== 200) break;
      }
      await p.wait(30 * MINUTE);
      await p.open(owner, PARIS_HOME, 'laptop · Paris, later that evening'); // the owner is never challenged for it
    },
  },
  {
    signal: 'networks_per_hour',
    account: 'sig-hop',
    summary: `a browser behind a rotating proxy: ${velocity.networksPerHour + 1} Paris networks within the hour (recorded only)`,
    expect: { status: 200, verdict: 'allow', check: 'networks_per_hour', monitor: true },
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      const count = velocity.networksPerHour + 1;
      const every = Math.max(MINUTE, Math.min(4 * MINUTE, (50 * MINUTE) / count));
      for (let n = 0; n < count; n++) {
        if (n > 0) await p.wait(every);
        p.key = await p.open(laptop, parisExit(n));
      }
    },
  },
  {
    signal: 'new_devices_per_day',
    account: 'sig-private',
    summary: `a private window every 2 hours: ${velocity.newDevicesPerDay + 1} new devices in a day (recorded only)`,
    expect: { status: 200, verdict: 'allow', check: 'new_devices_per_day', monitor: true },
    start: 8,
    async play(p) {
      const count = velocity.newDevicesPerDay + 1;
      // More than an hour apart, so each new cookie may take the slot of the one before (cleared cookies).
      const every = Math.max(HOUR + MINUTE, Math.min(2 * HOUR, (22 * HOUR) / (count - 1)));
      for (let n = 0; n < count; n++) {
        if (n > 0) await p.wait(every);
        p.key = await p.open(await p.screen('private window', AGENTS.windows), PARIS_HOME);
      }
    },
  },
  {
    signal: 'honest',
    account: 'sig-alice',
    summary: 'two desktops behind one Paris IP, used together every evening for 3 days',
    expect: 'honest',
    async play(p) {
      const one = await p.screen('desktop 1', AGENTS.windows);
      const two = await p.screen('desktop 2', AGENTS.windows);
      for (let day = 1; day <= 3; day++) {
        if (day > 1) await p.until(EVENING);
        await p.open(one, PARIS_HOME);
        await p.wait(MINUTE);
        await p.open(two, PARIS_HOME);
      }
    },
  },
  {
    signal: 'honest',
    account: 'sig-home',
    summary: "a laptop and a phone at home at once for 3 evenings, the phone on the home's IPv6 too",
    expect: 'honest',
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      const phone = await p.screen('phone', AGENTS.iphone);
      await p.open(laptop, PARIS_HOME);
      await p.wait(MINUTE);
      await p.open(phone, PARIS_HOME);
      await p.wait(3 * MINUTE);
      for (let day = 1; day <= 3; day++) {
        if (day > 1) await p.until(EVENING);
        await p.open(phone, PARIS_HOME_V6);
        await p.wait(MINUTE);
        await p.open(laptop, PARIS_HOME);
      }
    },
  },
  {
    signal: 'honest',
    account: 'sig-flight',
    summary: 'a laptop and a phone fly from Paris to New York (8 h)',
    expect: 'honest',
    async play(p) {
      const laptop = await p.screen('laptop', AGENTS.windows);
      const phone = await p.screen('phone', AGENTS.iphone);
      await p.open(laptop, PARIS_HOME);
      await p.open(phone, PARIS_HOME);
      await p.wait(8 * HOUR);
      await p.open(phone, NEW_YORK);
      await p.wait(MINUTE);
      await p.open(laptop, NEW_YORK);
    },
  },
];

/** Play every scenario against the example at `base`; `log` receives the report line by line. */
export async function playSignals(base: string, options: { log?: (line: string) => void; run?: string } = {}): Promise<ScenarioResult[]> {
  const log = options.log ?? (() => {});
  const run = options.run ?? Date.now().toString(36).slice(-4);
  const play = new Play(base);
  await play.start();
  log(`Sharing signals on ${base}: a new account per scenario, on the example's simulated clock (times UTC).`);
  log(`Default thresholds: travel ≥ ${travel.minDistanceKm} km at ≥ ${travel.minSpeedKmh} km/h; more than ${velocity.networksPerHour} networks an hour or ${velocity.newDevicesPerDay} new devices a day;`);
  log(`a second household is a person after ${people.minDays} days of use, ${people.minOverlapDays} of them at the same time as the main one.`);
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    const p = new Play(base, `${scenario.account}-${run}`);
    await p.start();
    await p.until(scenario.start ?? EVENING);
    const startDay = Math.floor(p.now / DAY);
    await scenario.play(p);
    const key = scenario.expect === 'honest' ? p.steps.at(-1) : p.key;
    const result: ScenarioResult = { signal: scenario.signal, account: p.account, summary: scenario.summary, steps: p.steps, key, expect: scenario.expect, ok: judge(scenario.expect, p.steps, key) };
    results.push(result);
    log('');
    log(`${result.ok ? '✓' : '✗'} ${scenario.signal === 'honest' ? 'honest, must not fire' : scenario.signal} (${p.account}): ${scenario.summary}`);
    for (const line of describe(p.steps, startDay)) log(line);
    if (!result.ok) log(`    ✗ expected ${expected(scenario.expect)}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  log('');
  log(failed === 0 ? `All ${results.length} scenarios as expected. Every verdict with its reasons: ${base}/dev/decisions` : `${failed} of ${results.length} scenarios not as expected.`);
  return results;
}

function judge(expect: Expectation | 'honest', steps: Step[], key: Step | undefined): boolean {
  if (expect === 'honest') return steps.length > 0 && steps.every((s) => s.status === 200 && s.reasons.length === 0);
  if (!key || steps.some((s) => s !== key && s.status !== 200)) return false;
  return (
    key.status === expect.status &&
    key.verdict === expect.verdict &&
    (expect.challenge === undefined || key.challenge === expect.challenge) &&
    (expect.check === undefined || key.reasons.some((r) => r.check === expect.check && (r.monitor === true) === (expect.monitor === true)))
  );
}

function expected(expect: Expectation | 'honest'): string {
  if (expect === 'honest') return '200 and no reasons on every request';
  return `${expect.status} ${expect.verdict}${expect.challenge ? ` (${expect.challenge})` : ''}${expect.check ? ` for ${expect.check}${expect.monitor ? ', monitor' : ''}` : ''}`;
}

/** The steps as report lines; repeats of one request with the same quiet outcome are folded into one line. */
function describe(steps: Step[], startDay: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < steps.length; ) {
    const step = steps[i]!;
    let times = 1;
    while (i + times < steps.length && sameOutcome(step, steps[i + times]!)) times++;
    lines.push(line(step, startDay, times, steps[i + times - 1]!));
    for (const reason of step.reasons) lines.push(`${' '.repeat(23)}↳ ${formatReason(reason)}`);
    i += times;
  }
  return lines;
}

const dayOf = (at: number) => Math.floor(at / DAY);
const timeOf = (at: number) => new Date(at).toISOString().slice(11, 16);

const sameOutcome = (a: Step, b: Step) =>
  a.label === b.label && dayOf(a.at) === dayOf(b.at) && a.status === b.status && a.verdict === b.verdict && a.reasons.length === 0 && b.reasons.length === 0;

function line(step: Step, startDay: number, times: number, last: Step): string {
  const time = times > 1 ? `${timeOf(step.at)}–${timeOf(last.at)}` : timeOf(step.at);
  const label = times > 1 ? `${step.label} (×${times})` : step.label;
  const verdict = step.verdict === 'challenge' ? `challenge (${step.challenge})` : step.verdict;
  return `    day ${dayOf(step.at) - startDay + 1} ${time.padEnd(11)}  ${label.padEnd(37)} ${step.status} ${verdict}`;
}

function formatReason(r: Reason): string {
  const observed = typeof r.observed === 'number' ? r.observed.toLocaleString('en-US') : r.observed;
  return `${r.check}: observed ${observed}, threshold ${r.threshold}${r.policy ? `, policy ${r.policy}` : ''}${r.monitor ? ', monitor' : ''}`;
}

async function main(): Promise<void> {
  const base = process.argv[2] ?? process.env.STREAMLY_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  try {
    const results = await playSignals(base, { log: (l) => console.log(l) });
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
    console.error(refused ? `Nothing listens on ${base}. Start the example first (npm start), then run this again.` : `The signals demo failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
