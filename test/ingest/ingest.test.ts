import { expect } from 'chai';
import { createSharelock, hours, minutes, MemoryStore, type AttachInput, type AttachResult, type Identity, type IngestResult, type Options, type RequestLike, type Sharelock } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CHROME_WINDOWS, pageView, SAFARI_IPHONE } from './support.js';

const PARIS = { lat: 48.86, lon: 2.35, accuracyKm: 20, country: 'FR' };
const TOKYO = { lat: 35.68, lon: 139.69, accuracyKm: 20, country: 'JP' };
const PLACES: Record<string, typeof PARIS> = { '203.0.113.7': PARIS, '198.51.100.9': TOKYO };

/** What `identify(req)` receives in these tests: the identity itself. */
type AppRequest = Identity | null;

function setup(options: Partial<Options<AppRequest>> = {}) {
  const clock = new FakeClock();
  const guard: Sharelock<AppRequest> = createSharelock<AppRequest>({
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    identify: (req) => req,
    limits: { devices: 2 },
    logger: { warn: () => {}, error: () => {} },
    now: clock.now,
    geo: { lookup: (ip) => PLACES[ip] },
    // One hop to New York is this suite's way to a challenge; the default asks for two days at each end.
    signals: { travel: { minPlaceDays: 0 } },
    ...options,
    // Devices known only from events count here, as for a native app (the default is tested below).
    ingest: { enabled: false, countEventDevices: true, ...options.ingest },
  });
  return { guard, clock };
}

/** A browser request with this cookie header (none: a new device). */
function browser(cookie?: string, ip = '203.0.113.7'): RequestLike {
  return { method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost', 'user-agent': CHROME_WINDOWS, ...(cookie ? { cookie } : {}) }, remoteAddress: ip, https: false };
}

const cookieOf = (setCookie: string | undefined) => setCookie!.slice(0, setCookie!.indexOf(';'));
const valueOf = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);
const only = (results: IngestResult[]) => {
  expect(results).to.have.length(1);
  return results[0]!;
};

describe('ingest: events through the decision path', () => {
  const guards: Sharelock<AppRequest>[] = [];
  const make = (options?: Partial<Options<AppRequest>>) => {
    const made = setup(options);
    guards.push(made.guard);
    return made;
  };
  afterEach(async () => {
    await Promise.all(guards.splice(0).map((g) => g.close()));
  });

  it('attaches the device of a page view and records the access at the time it happened', async () => {
    const { guard, clock } = make();
    const at = clock.now() - minutes(3);
    const report = await guard.ingest({ batch: [pageView('acct', 'browser-1', at - 500)], sentAt: new Date(at).toISOString() });
    const result = only(report.results);
    expect(result).to.deep.include({ index: 0, status: 'recorded', accountId: 'acct', verdict: 'allow', cookieDevice: false, at: new Date(clock.now() - 500).toISOString() });
    const [device] = await guard.devices('acct');
    expect(device).to.include({ type: 'computer', status: 'attached', lastIp: '203.0.113.7', lastSeen: clock.now() - 500 });
    expect(device!.id).to.match(/^ingest\./).and.equal((result as { deviceId: string }).deviceId);
    expect(device!.agent.browser).to.equal('Chrome');
    expect(device!.lastLocation).to.deep.include({ country: 'FR' });
    expect(device!.metadata).to.include({ anonymousId: 'browser-1' });
  });

  it('reads a mobile screen view without a User-Agent from its context', async () => {
    const { guard } = make();
    await guard.ingest({ type: 'screen', userId: 'acct', anonymousId: 'a1', name: 'Player', context: { os: { name: 'Android', version: '14' }, device: { id: 'android-id-1', manufacturer: 'Google', model: 'Pixel 8' } } });
    const [device] = await guard.devices('acct');
    expect(device).to.deep.include({ type: 'mobile', agent: { os: 'Android', osVersion: '14', vendor: 'Google', model: 'Pixel 8' } });
  });

  it('challenges the third device like a request, opening a challenge no page can serve and no code can reach', async () => {
    const { guard, clock } = make();
    const decisions: string[] = [];
    guard.on('decision', ({ verdict }) => void decisions.push(verdict.kind));
    const { results } = await guard.ingest(['a', 'b', 'c'].map((id, i) => pageView('acct', id, clock.now() - 3_000 + i, { traits: { email: 'attacker@example.com' } })));
    expect(results.map((r) => (r as { verdict?: string }).verdict)).to.deep.equal(['allow', 'allow', 'challenge']);
    const third = results[2] as Extract<IngestResult, { status: 'recorded' }>;
    expect(third.challenge).to.include({ kind: 'device_limit' });
    expect(third.challenge!.url).to.match(/^\/sharelock\/challenge\//);
    expect(third.reasons.map((r) => r.check)).to.include('device_count');
    expect(decisions).to.deep.equal(['allow', 'allow', 'challenge']);
    // Contacts from events never reach a challenge: no code is sent, no budget spent.
    const challenge = await guard.config.store.getChallenge(third.challenge!.id!);
    expect(challenge!.contact).to.deep.equal({});
    expect(challenge!.deviceId).to.match(/^ingest\./);
    expect(guard.outbox!.messages).to.have.length(0);
  });

  it("keeps an event's device metadata on the device, where no policy can match it", async () => {
    // An app policy that lets staff devices in whatever the limit: an event must not claim it.
    const { guard, clock } = make({ policies: (defaults) => [{ name: 'staff', priority: 100, when: { metadata: 'staff', equals: true }, action: 'allow' }, ...defaults] });
    const { results } = await guard.ingest(['a', 'b', 'c'].map((id, i) => pageView('acct', id, clock.now() + i, { context: { userAgent: CHROME_WINDOWS, ip: '203.0.113.7', metadata: { staff: true, sessionId: `s-${id}` } } })));
    expect(results.map((r) => (r as { verdict: string }).verdict)).to.deep.equal(['allow', 'allow', 'challenge']);
    const devices = await guard.devices('acct');
    expect(devices[0]!.metadata).to.include({ staff: true, sessionId: 's-a', anonymousId: 'a' });
  });

  it('by default (countEventDevices: false), takes no slot for a device known only from events: the browsers keep their limit', async () => {
    const { guard } = make({ ingest: { enabled: false, countEventDevices: false } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(only((await guard.ingest({ type: 'page', userId: 'acct', anonymousId: `anon-${i}`, context: { userAgent: CHROME_WINDOWS } })).results));
    expect(results.map((r) => (r as { verdict?: string }).verdict)).to.deep.equal(['allow', 'allow', 'allow', 'allow', 'allow']);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await guard.decide(browser(), { id: 'acct' })).verdict.kind);
    expect(statuses, 'the plan allows 2 browsers, whatever the events').to.deep.equal(['allow', 'allow', 'challenge']);
    const recorded = (await guard.devices('acct')).filter((d) => d.id.startsWith('ingest.'));
    expect(recorded.map((d) => d.status)).to.deep.equal(['excluded', 'excluded', 'excluded', 'excluded', 'excluded']);
  });

  it("by default, never lets a device known only from events take an idle browser's slot as its cleared cookie", async () => {
    const { guard, clock } = make({ ingest: { enabled: false, countEventDevices: false } });
    expect((await guard.decide(browser(), { id: 'acct' })).verdict.kind).to.equal('allow');
    clock.advance(hours(2));
    // The same browser on the same network, an hour idle: what a cleared cookie looks like, but an event's device counts for nothing.
    only((await guard.ingest(pageView('acct', 'anon-1', clock.now()))).results);
    const devices = await guard.devices('acct');
    expect(devices.map((d) => d.status).sort()).to.deep.equal(['attached', 'excluded']);
  });

  it('never sends a code to contacts an event taught, unless the app trusts its events', async () => {
    const { guard } = make();
    await guard.ingest({ type: 'identify', userId: 'acct', traits: { email: 'sharer@evil.example' } });
    for (let i = 0; i < 2; i++) await guard.decide(browser(), { id: 'acct' });
    const third = await guard.decide(browser(), { id: 'acct' });
    const challenge = await guard.config.store.getChallenge((third.verdict as { challenge: { id: string } }).challenge.id);
    expect(challenge!.contact, 'a sharer naming their own address gets no code').to.deep.equal({});
  });

  it('lets an identify event teach contacts to an account the app gives none, when the app trusts its events', async () => {
    const { guard } = make({ ingest: { enabled: false, dangerouslyTrustEventContacts: true } });
    const { results } = await guard.ingest({ type: 'identify', userId: 'acct', traits: { email: 'owner@example.com', phone: '+33600000000' } });
    expect(only(results)).to.deep.include({ status: 'learned', accountId: 'acct', learned: ['email', 'phone'] });
    // The app's identify() gives only the id: the third device's challenge can still reach the owner.
    for (let i = 0; i < 2; i++) await guard.decide(browser(), { id: 'acct' });
    const third = await guard.decide(browser(), { id: 'acct' });
    expect(third.verdict.kind).to.equal('challenge');
    const challenge = await guard.config.store.getChallenge((third.verdict as { challenge: { id: string } }).challenge.id);
    expect(challenge!.contact).to.deep.equal({ email: 'owner@example.com', phone: '+33600000000' });
  });

  it('never adds a learned contact to an account the app gave one (a second channel would be a second way in)', async () => {
    const { guard } = make({ ingest: { enabled: false, dangerouslyTrustEventContacts: true } });
    await guard.ingest({ type: 'identify', userId: 'acct', traits: { email: 'someone@example.com', phone: '+33611111111' } });
    for (let i = 0; i < 2; i++) await guard.decide(browser(), { id: 'acct', email: 'owner@example.com' });
    const third = await guard.decide(browser(), { id: 'acct', email: 'owner@example.com' });
    const challenge = await guard.config.store.getChallenge((third.verdict as { challenge: { id: string } }).challenge.id);
    expect(challenge!.contact).to.deep.equal({ email: 'owner@example.com' });
  });

  it("leaves a cookie device's challenge to its own next request, with the app's contacts", async () => {
    const { guard } = make();
    const owner = { id: 'acct', email: 'owner@example.com' };
    for (let i = 0; i < 2; i++) await guard.decide(browser(), owner);
    const cookie = cookieOf((await guard.decide(browser(), owner)).setCookie);
    const deviceId = guard.deviceOf({ headers: { cookie } })!;
    // The third browser's own request was challenged; the owner resolves nothing, so it is over the limit.
    await guard.config.store.updateChallenge((await guard.config.store.findPendingChallenge('acct', deviceId))!.id, ['created'], { status: 'expired' });

    const { results } = await guard.ingest(pageView('acct', 'ignored-anon', guard.config.now(), { context: { device: { id: valueOf(cookie) }, userAgent: CHROME_WINDOWS, traits: { email: 'sharer@example.com' } } }));
    const result = only(results) as Extract<IngestResult, { status: 'recorded' }>;
    expect(result).to.deep.include({ deviceId, cookieDevice: true, verdict: 'challenge' });
    expect(result.challenge).to.deep.equal({ kind: 'device_limit', opensOn: 'next_request' });
    expect(await guard.config.store.findPendingChallenge('acct', deviceId)).to.equal(undefined);

    const next = await guard.decide(browser(cookie), owner);
    expect(next.verdict.kind).to.equal('challenge');
    const challenge = await guard.config.store.getChallenge((next.verdict as { challenge: { id: string } }).challenge.id);
    expect(challenge!.contact).to.deep.equal({ email: 'owner@example.com' });
  });

  it("hands back a cookie device's pending logout, so the browser's own next request is logged out", async () => {
    const { guard } = make();
    const first = await guard.decide(browser(), { id: 'acct' });
    const cookie = cookieOf(first.setCookie);
    await guard.kick('acct', first.deviceId!);
    const { results } = await guard.ingest(pageView('acct', 'x', guard.config.now(), { context: { device: { id: valueOf(cookie) } } }));
    expect(only(results)).to.deep.include({ verdict: 'logout', cookieDevice: true });
    expect((await guard.decide(browser(cookie), { id: 'acct' })).verdict.kind).to.equal('logout');
  });

  it('judges a late event on the account as it was then: no travel back in time', async () => {
    const { guard, clock } = make({ limits: { devices: 5 } });
    // A laptop in Paris a minute ago; a phone's event from Tokyo 10 hours ago arrives after it.
    // 9 700 km in 10 hours is a flight, not sharing; against the laptop's present it would look like 1 minute.
    await guard.ingest(pageView('acct', 'laptop', clock.now() - minutes(1)));
    const late = await guard.ingest(pageView('acct', 'phone', clock.now() - hours(10), { context: { ip: '198.51.100.9', userAgent: SAFARI_IPHONE } }));
    expect(only(late.results)).to.deep.include({ status: 'recorded', verdict: 'allow' });
    expect((only(late.results) as { reasons: Array<{ check: string }> }).reasons.map((r) => r.check)).not.to.include('impossible_travel');
    // The same two places a minute apart are impossible, and challenged.
    const now = await guard.ingest(pageView('acct', 'phone', clock.now(), { messageId: 'now', context: { ip: '198.51.100.9', userAgent: SAFARI_IPHONE } }));
    expect(only(now.results)).to.deep.include({ verdict: 'challenge' });
    expect((only(now.results) as { reasons: Array<{ check: string }> }).reasons.map((r) => r.check)).to.include('impossible_travel');
  });

  it("records each account's events in the order they happened, answering in the request's order", async () => {
    const { guard, clock } = make({ limits: { devices: 5 } });
    const t = clock.now();
    const { results } = await guard.ingest([pageView('acct', 'a', t - 1_000), pageView('acct', 'a', t - 60_000), pageView('other', 'b', t - 5_000)]);
    expect(results.map((r) => r.index)).to.deep.equal([0, 1, 2]);
    expect(results.map((r) => (r as { at: string }).at)).to.deep.equal([t - 1_000, t - 60_000, t - 5_000].map((at) => new Date(at).toISOString()));
    const [device] = await guard.devices('acct');
    expect(device).to.include({ firstSeen: t - 60_000, lastSeen: t - 1_000 });
  });

  it('answers each event of a batch on its own: the good ones are recorded, a bad one is refused with its reason and leaves no trace', async () => {
    const { guard, clock } = make();
    const t = clock.now();
    const { results, counts } = await guard.ingest({
      batch: [
        pageView('acct', 'a', t),
        { ...pageView('acct', 'evil', t), context: { ip: 'not-an-ip' } },
        pageView('acct', 'old', t - hours(30)),
        { type: 'page', anonymousId: 'visitor' },
        { type: 'track', userId: 'acct', event: 'Played' },
        { type: 'page', userId: 'acct' },
      ],
    });
    expect(results.map((r) => [r.status, 'error' in r ? r.error : 'reason' in r ? r.reason : (r as { verdict: string }).verdict])).to.deep.equal([
      ['recorded', 'allow'],
      ['rejected', 'invalid_event'],
      ['rejected', 'too_old'],
      ['ignored', 'anonymous'],
      ['ignored', 'type_not_used'],
      ['rejected', 'no_device'],
    ]);
    expect(counts).to.deep.equal({ recorded: 1, learned: 0, ignored: 2, duplicate: 0, rejected: 3, failed: 0 });
    expect((results[1] as { message: string }).message).to.match(/context\.ip/);
    expect(await guard.devices('acct')).to.have.length(1);
  });

  it('refuses a body that is not events as a whole, writing nothing', async () => {
    const { guard } = make();
    expect((await guard.ingest({ batch: 'nope' })).error).to.deep.include({ code: 'invalid_body' });
    expect((await guard.ingest('page')).error).to.deep.include({ code: 'invalid_body' });
    expect((await guard.ingest(Array.from({ length: 2501 }, () => ({})))).error).to.deep.include({ code: 'too_many_events' });
  });

  it('reports a message sent again as a duplicate and records it once', async () => {
    const { guard, clock } = make();
    const event = pageView('acct', 'a', clock.now());
    expect(only((await guard.ingest(event)).results).status).to.equal('recorded');
    expect(only((await guard.ingest(event)).results)).to.deep.include({ status: 'duplicate', accountId: 'acct' });
  });

  it('leaves free users alone, as identify(req) does, and fails an event whose ingest.identify throws', async () => {
    const { guard, clock } = make({ ingest: { enabled: false, identify: (event) => (event.userId === 'boom' ? Promise.reject(new Error('db down')) : { id: String(event.userId), paying: event.userId !== 'free' }) } });
    const { results } = await guard.ingest([pageView('free', 'a', clock.now()), pageView('boom', 'b', clock.now())]);
    expect(results[0]).to.deep.include({ status: 'ignored', reason: 'not_paying' });
    expect(results[1]).to.deep.include({ status: 'failed', error: 'identify_failed' });
    expect(await guard.devices('free')).to.deep.equal([]);
  });

  it('fails events the store cannot record, so the pipeline sends them again', async () => {
    class BrokenStore extends MemoryStore {
      override async attach(_input: AttachInput): Promise<AttachResult> {
        throw new Error('connection refused');
      }
    }
    const { guard, clock } = make({ store: new BrokenStore() });
    const { results, counts } = await guard.ingest(pageView('acct', 'a', clock.now()));
    expect(only(results)).to.deep.include({ status: 'failed', error: 'store_unavailable' });
    expect(counts.failed).to.equal(1);
  });

  it("records no page when recordPages is off, and a suspended account's events only report it", async () => {
    const { guard, clock } = make({ recordPages: false, ingest: { enabled: false, identify: (event) => ({ id: String(event.userId), suspended: event.userId === 'gone' }) } });
    const { results } = await guard.ingest([pageView('acct', 'a', clock.now()), pageView('gone', 'b', clock.now())]);
    expect(results[1]).to.deep.include({ status: 'recorded', verdict: 'suspended' });
    expect(await guard.devices('gone')).to.deep.equal([]);
    const store = guard.config.store as MemoryStore;
    const { snapshot } = await store.attach({ accountId: 'acct', deviceId: 'probe', type: 'other', agent: {}, access: { at: clock.now(), deviceId: 'probe' }, limits: { devices: 10 }, inactiveBefore: 0, historySize: 100, force: true });
    expect(snapshot.accesses[0]).not.to.have.property('page');
  });
});
