import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { Outbox, PRESETS } from '../../src/index.js';
import { createExampleApp } from '../../examples/express/app.js';
import { playSignals, type ScenarioResult, type Step } from '../../examples/express/signals.js';
import { freePort, startNode } from '../support/process.js';

const server = fileURLToPath(new URL('../../examples/express/server.js', import.meta.url));

/** The reasons as `policy:check`, with `:monitor` for record-only ones. */
const reasons = (step: Step | undefined) => (step?.reasons ?? []).map((r) => `${r.policy}:${r.check}${r.monitor ? ':monitor' : ''}`);

describe('npm run demo:signals against the example', () => {
  let app: Awaited<ReturnType<typeof startNode>>;
  let base: string;
  let results: ScenarioResult[];
  const printed: string[] = [];
  const scenario = (signal: string) => results.find((r) => r.signal === signal)!;
  const honest = (summary: RegExp) => results.find((r) => r.signal === 'honest' && summary.test(r.summary))!;

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    app = await startNode(server, { PORT: String(port), NODE_ENV: 'development', SHARELOCK_DEMO: 'off' }, /listening on/);
    results = await playSignals(base, { log: (line) => printed.push(line) });
  });
  after(() => app?.stop());

  it('plays on a server started without the start-up demo (SHARELOCK_DEMO=off)', () => {
    expect(app.output()).to.match(/listening on http:\/\/localhost:\d+ \(store: memory\)/);
    expect(app.output()).not.to.include('sharelock at work');
  });

  it('challenges a third device at home with the device-limit challenge (device_count)', () => {
    const { key, steps } = scenario('device_count');
    expect(steps.map((s) => s.status)).to.deep.equal([200, 200, 403]);
    expect(key).to.deep.include({ verdict: 'challenge', challenge: 'device_limit' });
    expect(reasons(key)).to.deep.equal(['device_limit:device_count']);
    expect(key!.reasons[0]).to.include({ observed: 3, threshold: 2 });
  });

  it('challenges a third phone on the family plan, which allows 4 devices but 2 phones (mobile_device_count)', () => {
    const { key, steps } = scenario('mobile_device_count');
    expect(steps.map((s) => s.status)).to.deep.equal([200, 200, 200, 403]);
    expect(key).to.deep.include({ verdict: 'challenge', challenge: 'device_limit' });
    expect(reasons(key)).to.deep.equal(['device_limit:mobile_device_count']);
  });

  it('asks the owner to prove it when a computer opens in New York a minute after Paris, on the second day (impossible_travel)', () => {
    const { key, steps } = scenario('impossible_travel');
    expect(steps.map((s) => s.status), 'one hop alone is no evidence').to.deep.equal([200, 200, 200, 403]);
    expect(key).to.deep.include({ status: 403, verdict: 'challenge', challenge: 'verify' });
    expect(reasons(key)).to.include('impossible_travel:impossible_travel');
    expect(key!.reasons.find((r) => r.check === 'impossible_travel')!.threshold).to.equal(PRESETS.default.travel.minSpeedKmh);
  });

  it('lets a copied device cookie jump there and back once, then asks for the owner when it goes back and forth again (cloned_device)', () => {
    const { key, steps } = scenario('cloned_device');
    expect(steps.map((s) => s.status)).to.deep.equal([200, 200, 200, 200, 200, 403]);
    expect(key).to.deep.include({ verdict: 'challenge', challenge: 'verify' });
    expect(reasons(key)).to.include('cloned_device:cloned_device');
  });

  it('records a friend watching in Lille at the same time as the owner, and challenges no one (concurrent_sessions)', () => {
    const { key, steps } = scenario('concurrent_sessions');
    expect(steps.every((s) => s.status === 200)).to.equal(true);
    expect(reasons(key)).to.deep.equal(['concurrent_sessions:concurrent_sessions:monitor']);
  });

  it("asks a second home in use alongside the owner's to prove it is the owner once established, never the owner (people_count)", () => {
    const { key, steps } = scenario('people_count');
    expect(key).to.deep.include({ status: 403, verdict: 'challenge', challenge: 'verify' });
    expect(reasons(key)).to.deep.equal(['second_household:people_count']);
    const friend = steps.filter((s) => s.label.startsWith("friend's"));
    expect(friend.indexOf(key!) + 1, 'the day the friend is challenged').to.equal(PRESETS.default.people.minDays);
    expect(steps.filter((s) => s !== key).every((s) => s.status === 200), 'the owner, every evening').to.equal(true);
  });

  it('records a rotating proxy and a private window every 2 hours, and challenges no one (high_velocity)', () => {
    const hop = scenario('networks_per_hour');
    expect(hop.steps.every((s) => s.status === 200)).to.equal(true);
    expect(reasons(hop.key)).to.deep.equal(['high_velocity:networks_per_hour:monitor']);
    expect(hop.key!.reasons[0]).to.include({ observed: PRESETS.default.velocity.networksPerHour + 1, threshold: PRESETS.default.velocity.networksPerHour });
    const privately = scenario('new_devices_per_day');
    expect(privately.steps.every((s) => s.status === 200)).to.equal(true);
    expect(reasons(privately.key)).to.deep.equal(['high_velocity:new_devices_per_day:monitor']);
  });

  it('leaves alone two desktops behind one IP, a laptop and a phone at home, and a flight Paris → New York', () => {
    for (const summary of [/two desktops behind one Paris IP/, /a laptop and a phone at home at once/, /fly from Paris to New York/]) {
      const { steps, ok } = honest(summary);
      expect(steps.length, String(summary)).to.be.greaterThan(3);
      const outcomes = steps.map((s) => [s.status, s.verdict, ...reasons(s)].join(' '));
      expect(outcomes, String(summary)).to.deep.equal(steps.map(() => '200 allow'));
      expect(ok).to.equal(true);
    }
  });

  it('prints each scenario with its statuses, verdicts and reasons', () => {
    const text = printed.join('\n');
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(text).to.match(/✓ impossible_travel \(sig-travel-\w+\): .+\n\s+day 1 19:00\s+laptop · Paris\s+200 allow\n\s+day 1 19:01\s+desktop · New York\s+200 allow\n(?:\s+↳ concurrent_sessions.+\n)?\s+day 2 19:00\s+laptop · Paris\s+200 allow\n\s+day 2 19:01\s+desktop · New York\s+403 challenge \(verify\)\n\s+↳ impossible_travel: observed [\d,]+, threshold 1000, policy impossible_travel/);
    expect(text).to.match(/↳ networks_per_hour: observed \d+, threshold \d+, policy high_velocity, monitor/);
    expect(text).to.include(`All ${results.length} scenarios as expected.`);
  });

  it('moves the clock forward only by a readable duration (development only)', async () => {
    const advance = (value: string) => fetch(`${base}/dev/clock`, { method: 'POST', body: new URLSearchParams({ advance: value }) });
    const before = (await (await fetch(`${base}/dev/clock`)).json()) as { offsetMs: number };
    expect((await advance('yesterday')).status).to.equal(400);
    expect((await advance('-1d')).status).to.equal(400);
    const after = (await (await advance('1d2h')).json()) as { offsetMs: number };
    expect(after.offsetMs - before.offsetMs).to.equal(26 * 3_600_000);
  });
});

describe('the example in production', () => {
  it('has no /dev/clock and no /dev/decisions', async () => {
    const { app, guard } = createExampleApp({ sharelock: { production: true, senders: { email: new Outbox() } } });
    try {
      expect((await request(app).get('/dev/clock')).status).to.equal(404);
      expect((await request(app).post('/dev/clock').type('form').send({ advance: '1d' })).status).to.equal(404);
      expect((await request(app).get('/dev/decisions')).status).to.equal(404);
    } finally {
      await guard.close();
    }
  });
});
