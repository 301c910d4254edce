import { expect } from 'chai';
import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { createSharelock, days, DEFAULT_STRINGS, minutes, MemoryStore, type Decision, type DeviceRecord, type Identity, type Options, type Store } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { poolId } from '../../src/groups.js';
import { ChallengeRoutes } from '../../src/http/challenge-routes.js';
import { escapeHtml } from '../../src/http/html.js';
import { format } from '../../src/challenge/strings.js';
import { protectedApp } from '../support/apps.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
];

let makeStore: () => Store = () => new MemoryStore();
const opened: Array<{ close(): Promise<void> | void }> = [];

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const store = makeStore();
  const guard = createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, now: clock.now, store, logger: { warn: () => {}, error: () => {} }, ...options });
  opened.push(guard, { close: async () => await store.close?.() });
  return { guard, clock, store };
}

/**
 * Watch the store's attach calls to these groups' pools: each waits one turn of the event loop
 * before reaching the store, so calls made one after another never overlap and parallel ones do.
 * `slowFirst` holds the first group's calls a few turns longer, so they finish last.
 */
function watchPoolAttaches(store: Store, groupIds: string[], { slowFirst = false } = {}) {
  const pools = groupIds.map(poolId);
  const attach = store.attach.bind(store);
  const watched = { inFlight: 0, mostAtOnce: 0 };
  store.attach = async (input) => {
    const index = pools.indexOf(input.accountId);
    if (index < 0) return attach(input);
    watched.mostAtOnce = Math.max(watched.mostAtOnce, ++watched.inFlight);
    try {
      for (let turn = 0; turn < (slowFirst && index === 0 ? 5 : 1); turn++) await new Promise((resolve) => setImmediate(resolve));
      return await attach(input);
    } finally {
      watched.inFlight--;
    }
  };
  return watched;
}


/** The challenge a device was given, with its owner check passed (the code from the outbox). */
async function ownerChecked(guard: ReturnType<typeof setup>['guard'], decision: Decision) {
  if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
  const [id, deviceId] = [decision.verdict.challenge.id, decision.deviceId!];
  await guard.challenges.claimOwnership(id, deviceId);
  await guard.challenges.verifyCode(id, deviceId, guard.outbox!.latest()!.code);
  return { id, deviceId };
}

/**
 * An Express app whose members (header `x-account`) may each use 5 devices and share the team
 * "acme"'s pool; each `browser()` is one device, a supertest agent with its own cookies.
 */
function teamApp(teamLimits: { devices?: number; mobile?: number }, options: Partial<Options<express.Request, express.Response>> = {}) {
  const store = makeStore();
  const { app, guard } = protectedApp(express, {
    store,
    identify: (req) => {
      const id = req.get('x-account');
      return id ? { id, email: `${id}@acme.example`, limits: { devices: 5 }, groups: [{ id: 'acme', limits: teamLimits }] } : null;
    },
    ...options,
  });
  opened.push(guard, { close: async () => await store.close?.() });
  const browser = (account: string, userAgent = AGENTS[0]!) => {
    const agent = request.agent(app);
    return { get: (path: string) => agent.get(path).set({ 'x-account': account, 'user-agent': userAgent }) };
  };
  /** The first challenge page this browser is sent to from a protected page. */
  const introPage = async (b: ReturnType<typeof browser>) => {
    const sent = await b.get('/watch/1');
    expect(sent.status, 'sent to the challenge').to.equal(303);
    const page = await b.get(sent.headers.location!);
    expect(page.status).to.equal(200);
    return page.text;
  };
  return { guard, browser, introPage };
}

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** A default string as the page shows it: filled in, HTML-escaped. */
const shown = (key: keyof typeof DEFAULT_STRINGS, values: Record<string, string | number> = {}) => escapeHtml(format(DEFAULT_STRINGS[key], { appName: 'this service', ...values }));

const attachedIds = (devices: DeviceRecord[]) => devices.filter((d) => d.status === 'attached').map((d) => d.id);

/** Members of the team "acme", whose plan pools 3 devices. */
const member = (id: string, limits = { devices: 3 }): Identity => ({ id, email: `${id}@acme.example`, groups: [{ id: 'acme', limits }] });
const device = (guard: ReturnType<typeof setup>['guard'], identity: Identity, n: number) => new CoreDevice(guard, identity, { 'user-agent': AGENTS[n % AGENTS.length]! }).at(`81.2.${69 + n}.10`);

describe('groups (team plans)', () => {
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close();
  });

  describe('on the memory store', () => describeGroups());

  describe('on Redis', function () {
    this.timeout(30_000);
    let redis: RedisServer;
    let client: Redis;
    let prefix = 0;
    before(async () => {
      redis = await startRedisServer();
      client = new Redis(redis.url);
      makeStore = () => new RedisStore({ client, prefix: `groups-${++prefix}:` });
    });
    after(async () => {
      makeStore = () => new MemoryStore();
      client?.disconnect();
      await redis?.stop();
    });
    describeGroups();
  });
});

/**
 * Ben's three devices fill the team; Ann's new device is challenged and she proves she is the
 * owner; then the admin logs out one of Ben's devices, freeing a team slot.
 */
async function annChallengedThenSlotFreed(guard: ReturnType<typeof setup>['guard']) {
  const benIds: string[] = [];
  for (const n of [0, 1, 2]) benIds.push((await device(guard, member('ben'), n).open()).deviceId!);
  const ann = device(guard, member('ann'), 3);
  const { id, deviceId } = await ownerChecked(guard, await ann.open());
  await guard.kick('ben', benIds[0]!);
  return { ann, id, deviceId };
}

function describeGroups(): void {
  it("says on the first challenge page how many devices the team's plan allows, not the member's own plan", async () => {
    const { browser, introPage } = teamApp({ devices: 3 });
    await browser('ann').get('/watch/1');
    for (let n = 0; n < 2; n++) await browser('ben').get('/watch/1');
    const page = await introPage(browser('ann'));
    expect(page).to.include(escapeHtml("Your team's plan on this service allows 3 devices, and that limit is reached. What would you like to do?"));
    expect(page).not.to.include('allows 5 devices');
    expect(page, 'her own laptop can make room: no need for the admin').not.to.include(shown('introGroupFull'));
  });

  it("names a team's per-type limit on the first challenge page, with the type", async () => {
    const { browser, introPage } = teamApp({ mobile: 1 });
    await browser('ben', IPHONE).get('/watch/1');
    expect(await introPage(browser('ann', IPHONE))).to.include(escapeHtml("Your team's plan on this service allows 1 device of this type (Phone), and that limit is reached."));
  });

  it("tells a member on the first challenge page that only the team's admin can make room, and still offers every choice", async () => {
    const { browser, introPage } = teamApp({ devices: 3 });
    for (let n = 0; n < 3; n++) await browser('ben').get('/watch/1');
    const page = await introPage(browser('ann'));
    expect(page).to.include(escapeHtml("Your team's plan on this service allows 3 devices, and that limit is reached.")).and.include(shown('introGroupFull'));
    for (const action of ['owner', 'new-account', 'logout']) expect(page).to.include(`/${action}"`);
    expect(page, "nothing about the colleagues' devices").not.to.include('Chrome').and.not.include('ben');
  });

  it("shows the team's strings as the app words them", async () => {
    const strings = { introGroupLead: 'Team {group} has {limit}, all taken.', introGroupFull: 'Ask your admin.', devicesOne: 'one seat', devicesOther: '{count} seats' };
    const { browser, introPage } = teamApp({ devices: 1 }, { branding: { strings } });
    await browser('ben').get('/watch/1');
    expect(await introPage(browser('ann'))).to.include('Team acme has one seat, all taken.').and.include('Ask your admin.');
  });

  it("updates what a pending team challenge says to what the device's latest request found", async () => {
    const { guard } = setup();
    const laptop = device(guard, member('ann'), 0);
    const laptopId = (await laptop.open()).deviceId!;
    for (const n of [1, 2]) await device(guard, member('ben'), n).open();
    const phone = device(guard, member('ann'), 3);
    const first = await phone.open();
    if (first.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const [id, deviceId] = [first.verdict.challenge.id, first.deviceId!];
    const view = async () => {
      const presented = await guard.challenges.present(id, deviceId);
      return presented.ok && presented.value;
    };
    expect(await view()).to.deep.include({ group: { id: 'acme', limit: 3 } }).and.not.have.property('blocked');
    // Her laptop leaves and a colleague takes its slot: now only the admin can make room.
    await guard.kick('ann', laptopId);
    await device(guard, member('ben'), 4).open();
    const again = await phone.open();
    expect(again.verdict.kind === 'challenge' && again.verdict.challenge.id, 'the same challenge').to.equal(id);
    expect(await view()).to.deep.include({ blocked: { reason: 'group_full', groups: ['acme'] } });
  });

  it('pools the device limit across the members: the team’s fourth device is challenged, with the group named', async () => {
    const { guard } = setup();
    expect((await device(guard, member('ann'), 0).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, member('ann'), 1).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, member('ben'), 2).open()).verdict.kind).to.equal('allow');
    const fourth = await device(guard, member('ben'), 3).open();
    expect(fourth.verdict.kind).to.equal('challenge');
    expect(fourth.verdict.reasons).to.deep.equal([
      { check: 'group_device_count', observed: 4, threshold: 3, message: '4 devices in use across group "acme"; its plan allows 3.', policy: 'group_device_limit', group: 'acme' },
    ]);
    const pool = await guard.groupDevices('acme');
    expect(pool.filter((d) => d.status === 'attached').map((d) => d.metadata?.accountId)).to.have.members(['ann', 'ann', 'ben']);
  });

  it('lets devices already in the pool back in, and members of another team are not counted', async () => {
    const { guard } = setup();
    const devices = [0, 1, 2].map((n) => device(guard, member('ann'), n));
    for (const d of devices) await d.open();
    const other = { id: 'zed', groups: [{ id: 'globex', limits: { devices: 3 } }] };
    expect((await device(guard, other, 4).open()).verdict.kind).to.equal('allow');
    for (const d of devices) expect((await d.open()).verdict.kind).to.equal('allow');
  });

  it('frees a slot when the member logs one of their devices out in the challenge', async () => {
    const { guard } = setup();
    const annLaptop = device(guard, member('ann'), 0);
    const annId = (await annLaptop.open()).deviceId!;
    await device(guard, member('ann'), 1).open();
    await device(guard, member('ben'), 2).open();
    const newcomer = device(guard, member('ann'), 3);
    const decision = await newcomer.open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const [id, deviceId] = [decision.verdict.challenge.id, decision.deviceId!];
    await guard.challenges.claimOwnership(id, deviceId);
    await guard.challenges.verifyCode(id, deviceId, guard.outbox!.latest()!.code);
    const listing = await guard.challenges.devices(id, deviceId);
    expect(listing.ok && listing.value.toLogOut).to.equal(1);
    expect(listing.ok && listing.value.blocked, 'her own laptop makes room').to.equal(undefined);
    const page = await new ChallengeRoutes(guard).handle(newcomer.request(`${guard.challenges.url(id)}/devices`), async () => ({}), { req: null, res: null });
    expect(page?.body).to.include(escapeHtml("Your team's plan allows 3 devices. Log out the ones you no longer use.")).and.include('Log out 1 device to continue.');
    expect((await guard.challenges.complete(id, deviceId)).ok, 'still over the team limit').to.equal(false);
    await guard.challenges.kick(id, deviceId, annId);
    const done = await guard.challenges.complete(id, deviceId);
    expect(done.ok).to.equal(true);
    expect((await newcomer.open()).verdict.kind).to.equal('allow');
    expect((await annLaptop.open()).verdict.kind, 'the logged-out laptop').to.equal('logout');
  });

  it('frees every team slot of a device the member logs out in the challenge, also in a team she has left', async () => {
    const { guard } = setup();
    const teams = (...ids: string[]): Identity => ({ id: 'ann', email: 'ann@acme.example', groups: ids.map((id) => ({ id, limits: { devices: 1 } })) });
    const laptopId = (await device(guard, teams('acme', 'old-team'), 0).open()).deviceId!;
    const { id, deviceId } = await ownerChecked(guard, await device(guard, teams('acme'), 1).open());
    await guard.challenges.kick(id, deviceId, laptopId);
    expect(attachedIds(await guard.groupDevices('old-team'))).to.deep.equal([]);
    expect((await guard.challenges.complete(id, deviceId)).ok).to.equal(true);
  });

  it("tells a member whose team is full of colleagues' devices to ask the team's admin, instead of asking her to log out devices she does not have", async () => {
    const { guard } = setup();
    for (const n of [0, 1, 2]) await device(guard, member('ben'), n).open();
    const newcomer = device(guard, member('ann'), 3);
    const { id, deviceId } = await ownerChecked(guard, await newcomer.open());
    const listing = await guard.challenges.devices(id, deviceId);
    expect(listing.ok && listing.value).to.deep.include({ toLogOut: 1, blocked: { reason: 'group_full', groups: ['acme'] } });
    expect(await guard.challenges.complete(id, deviceId)).to.deep.equal({ ok: false, error: 'group_full', toLogOut: 1 });

    const page = await new ChallengeRoutes(guard).handle(newcomer.request(`${guard.challenges.url(id)}/devices`), async () => ({}), { req: null, res: null });
    expect(page?.status).to.equal(200);
    expect(page?.body).to.include(escapeHtml(DEFAULT_STRINGS.devicesGroupFull)).and.not.include('to continue.');
    expect(page?.body).to.match(/<button class="primary" type="submit" disabled>/);
  });

  it("asks for the team's admin when the member's own devices in the team are too few to make room", async () => {
    const { guard } = setup();
    await device(guard, member('ann'), 0).open();
    for (const n of [1, 2]) await device(guard, member('ben'), n).open();
    // The team's plan shrank to 2: one more device needs two of the three in use to go, and only one is ann's.
    const decision = await device(guard, member('ann', { devices: 2 }), 3).open();
    const { id, deviceId } = await ownerChecked(guard, decision);
    const listing = await guard.challenges.devices(id, deviceId);
    expect(listing.ok && listing.value).to.deep.include({ toLogOut: 2, blocked: { reason: 'group_full', groups: ['acme'] } });
  });

  it("frees the pool slot of a browser whose cookies were cleared, when its new cookie takes the old one's place", async () => {
    const { guard, clock } = setup({ limits: { devices: 1 } });
    const ann = member('ann', { devices: 2 });
    expect((await device(guard, ann, 0).open()).verdict.kind).to.equal('allow');
    clock.advance(days(1));
    // The same browser, same network, a fresh cookie: it takes its own old slot, in the team's pool too.
    expect((await device(guard, ann, 0).open()).verdict.kind).to.equal('allow');
    expect((await guard.groupDevices('acme')).filter((d) => d.status === 'attached')).to.have.length(1);
    expect((await device(guard, member('ben', { devices: 2 }), 1).open()).verdict.kind, "a teammate's device fits").to.equal('allow');
  });

  for (const [act, done] of [['kick', 'logs out'], ['detach', 'detaches'], ['exclude', 'excludes']] as const) {
    it(`frees the team's slot of a device the app ${done} at once, before its next request`, async () => {
      const { guard } = setup();
      const laptop = device(guard, member('ann'), 0);
      const laptopId = (await laptop.open()).deviceId!;
      await device(guard, member('ann'), 1).open();
      await device(guard, member('ben'), 2).open();
      await guard[act]('ann', laptopId);
      expect(attachedIds(await guard.groupDevices('acme'))).not.to.include(laptopId);
      expect((await device(guard, member('ben'), 3).open()).verdict.kind).to.equal('allow');
      expect((await laptop.open()).verdict.kind).to.equal(act === 'exclude' ? 'allow' : 'logout');
    });
  }

  it("asks every group's pool at once, and names the full pools in the order identify() lists them", async () => {
    const { guard, store } = setup();
    const both = (id: string): Identity => ({ id, groups: [{ id: 'acme', limits: { devices: 1 } }, { id: 'acme-eu', limits: { devices: 1 } }] });
    const watched = watchPoolAttaches(store, ['acme', 'acme-eu'], { slowFirst: true });
    expect((await device(guard, both('ann'), 0).open()).verdict.kind).to.equal('allow');
    expect(watched.mostAtOnce, 'both pools asked at once').to.equal(2);
    const second = await device(guard, both('ben'), 1).open();
    expect(second.verdict.reasons.map((r) => r.message)).to.deep.equal([
      '2 devices in use across group "acme"; its plan allows 1.',
      '2 devices in use across group "acme-eu"; its plan allows 1.',
    ]);
  });

  it('challenges a device one team refuses when another of its teams has room', async () => {
    const { guard } = setup();
    const both = (id: string): Identity => ({ id, email: `${id}@acme.example`, groups: [{ id: 'acme', limits: { devices: 1 } }, { id: 'acme-eu', limits: { devices: 5 } }] });
    expect((await device(guard, both('ann'), 0).open()).verdict.kind).to.equal('allow');
    const second = await device(guard, both('ben'), 1).open();
    expect(second.verdict.kind).to.equal('challenge');
    expect(second.verdict.reasons.map((r) => r.message)).to.deep.equal(['2 devices in use across group "acme"; its plan allows 1.']);
    expect(attachedIds(await guard.groupDevices('acme'))).to.have.length(1);
  });

  it("matches a count condition when any of the member's teams meets it", async () => {
    const nearlyFull = { name: 'team_nearly_full', priority: 100, when: { signal: 'group_device_count', gte: 2 }, action: 'monitor' } as const;
    const { guard } = setup({ policies: (defaults) => [...defaults, nearlyFull] });
    const both = (id: string): Identity => ({ id, groups: [{ id: 'acme', limits: { devices: 5 } }, { id: 'solo', limits: { devices: 5 } }] });
    await device(guard, member('ben'), 0).open();
    await device(guard, both('ann'), 1).open();
    expect(guard.stats().policies.team_nearly_full, 'acme has two devices, solo one').to.equal(1);
  });

  it("reports the team's device count to policies below its limit too, e.g. to watch teams nearing their plan", async () => {
    const nearlyFull = { name: 'team_nearly_full', priority: 100, when: { signal: 'group_device_count', gte: 2 }, action: 'monitor' } as const;
    const { guard } = setup({ policies: (defaults) => [...defaults, nearlyFull] });
    expect((await device(guard, member('ann'), 0).open()).verdict.kind).to.equal('allow');
    expect(guard.stats().policies.team_nearly_full, 'one device of three').to.equal(undefined);
    expect((await device(guard, member('ben'), 1).open()).verdict.kind).to.equal('allow');
    expect(guard.stats().policies.team_nearly_full, 'two devices of three').to.equal(1);
  });

  it('records a full team in monitor mode, as it records a full account', async () => {
    const { guard } = setup({ monitor: true });
    for (let n = 0; n < 3; n++) await device(guard, member('ann'), n).open();
    const fourth = await device(guard, member('ben'), 3).open();
    expect(fourth.verdict).to.deep.equal({
      kind: 'allow',
      reasons: [{ check: 'group_device_count', observed: 4, threshold: 3, message: '4 devices in use across group "acme"; its plan allows 3.', policy: 'group_device_limit', monitor: true, group: 'acme' }],
    });
  });

  it("keeps letting the team's devices in when its plan shrinks: only a device asking for a slot is over the limit", async () => {
    const { guard, clock } = setup();
    const owners = ['ann', 'ann', 'ben'];
    const devices = owners.map((owner, n) => device(guard, member(owner), n));
    for (const d of devices) await d.open();
    clock.advance(minutes(1)); // past the verdict cache
    for (const [n, d] of devices.entries()) {
      expect((await guard.decide(d.request(), member(owners[n]!, { devices: 2 }))).verdict.kind).to.equal('allow');
    }
  });

  it("counts in the team's pool a device a policy lets in over the member's own limit", async () => {
    const { guard } = setup({ policies: (defaults) => [...defaults, { name: 'vip', priority: 100, when: { plan: 'vip' }, action: 'allow' }] });
    const ann: Identity = { ...member('ann'), plan: 'vip', limits: { devices: 1 } };
    expect((await device(guard, ann, 0).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, ann, 1).open()).verdict.kind, "over ann's own limit, let in by the policy").to.equal('allow');
    expect((await guard.groupDevices('acme')).filter((d) => d.status === 'attached')).to.have.length(2);
    expect((await device(guard, member('ben'), 2).open()).verdict.kind).to.equal('allow');
    const fourth = await device(guard, member('ben'), 3).open();
    expect(fourth.verdict.kind).to.equal('challenge');
    expect(fourth.verdict.reasons.map((r) => r.check)).to.deep.equal(['group_device_count']);
  });

  it("counts an allow-listed member's devices in the team's pool", async () => {
    const { guard } = setup({ lists: { allow: { accounts: ['ann'] } } });
    const ann: Identity = { ...member('ann'), limits: { devices: 1 } };
    for (const n of [0, 1]) expect((await device(guard, ann, n).open()).verdict.kind).to.equal('allow');
    expect((await guard.groupDevices('acme')).filter((d) => d.status === 'attached')).to.have.length(2);
    expect((await device(guard, member('ben'), 2).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, member('ben'), 3).open()).verdict.kind).to.equal('challenge');
  });

  it("holds no slot in the member's own account for a device the team's pool refuses", async () => {
    const { guard } = setup();
    const ann: Identity = { ...member('ann'), limits: { devices: 1 } };
    const bens = [0, 1, 2].map((n) => device(guard, member('ben'), n));
    for (const d of bens) await d.open();
    const refused = await device(guard, ann, 3).open();
    expect(refused.verdict.kind).to.equal('challenge');
    expect(attachedIds(await guard.devices('ann')), 'while challenged').to.deep.equal([]);
    const { id, deviceId } = await ownerChecked(guard, refused);
    expect((await guard.challenges.complete(id, deviceId)).ok, 'the team is still full').to.equal(false);
    expect(attachedIds(await guard.devices('ann')), 'after trying to continue').to.deep.equal([]);
    // Ben's laptop leaves the team: ann's other device takes the slot, her own account has room for it.
    await guard.kick('ben', (await bens[0]!.open()).deviceId!);
    expect((await bens[0]!.open()).verdict.kind).to.equal('logout');
    expect((await device(guard, ann, 4).open()).verdict.kind).to.equal('allow');
  });

  it("challenges a refused device again on its next request, lets it in once the team's admin frees a slot, and never past the member's own limit", async () => {
    const { guard, clock } = setup();
    const ann: Identity = { ...member('ann'), limits: { devices: 2 } };
    await device(guard, ann, 0).open();
    const benIds: string[] = [];
    for (const n of [1, 2]) benIds.push((await device(guard, member('ben'), n).open()).deviceId!);
    const [second, third] = [device(guard, ann, 3), device(guard, ann, 4)];
    const first = await second.open();
    expect(first.verdict.kind).to.equal('challenge');
    const challengeId = first.verdict.kind === 'challenge' && first.verdict.challenge.id;

    clock.advance(minutes(1));
    const again = await second.open();
    expect(again.verdict.kind, 'not logged out: it only gave its slot back').to.equal('challenge');
    expect(again.verdict.kind === 'challenge' && again.verdict.challenge.id, 'the same challenge').to.equal(challengeId);
    expect(again.verdict.reasons.map((r) => r.check)).to.deep.equal(['group_device_count']);
    expect(attachedIds(await guard.devices('ann')), 'no slot in her account').to.have.length(1).and.not.include(again.deviceId);
    expect(attachedIds(await guard.groupDevices('acme')), 'nor in the team').not.to.include(again.deviceId);
    expect((await third.open()).verdict.kind, 'her third device is refused by the team too').to.equal('challenge');

    // The team's admin (through the app) logs ben's devices out: room for both of ann's.
    for (const id of benIds) await guard.kick('ben', id);
    expect((await second.open()).verdict.kind, 'a free slot in the team').to.equal('allow');
    expect(attachedIds(await guard.devices('ann'))).to.include(again.deviceId).and.have.length(2);
    expect(attachedIds(await guard.groupDevices('acme'))).to.include(again.deviceId).and.have.length(2);
    const over = await third.open();
    expect(over.verdict.kind, 'the team has room, her own plan does not').to.equal('challenge');
    expect(over.verdict.reasons.map((r) => r.check)).to.deep.equal(['device_count']);
    expect(attachedIds(await guard.devices('ann'))).to.have.length(2);
  });

  it('attaches a refused device in its account and in the team’s pool once it passes the challenge', async () => {
    const { guard } = setup();
    const bens = [0, 1, 2].map((n) => device(guard, member('ben'), n));
    for (const d of bens) await d.open();
    const newcomer = device(guard, member('ann'), 3);
    const { id, deviceId } = await ownerChecked(guard, await newcomer.open());
    await guard.kick('ben', (await bens[0]!.open()).deviceId!);
    await bens[0]!.open();
    expect((await guard.challenges.complete(id, deviceId)).ok).to.equal(true);
    expect(attachedIds(await guard.devices('ann'))).to.deep.equal([deviceId]);
    expect(attachedIds(await guard.groupDevices('acme'))).to.include(deviceId).and.have.length(3);
    expect((await newcomer.open()).verdict.kind).to.equal('allow');
  });

  it('takes no team slot for a device the app excludes while it is challenged, and lets it through', async () => {
    const { guard } = setup();
    const { ann: tester, id, deviceId } = await annChallengedThenSlotFreed(guard);
    await guard.exclude('ann', deviceId);
    expect((await guard.challenges.complete(id, deviceId)).ok).to.equal(true);
    expect(attachedIds(await guard.groupDevices('acme')), 'an excluded device never counts').to.have.length(2).and.not.include(deviceId);
    expect((await tester.open()).verdict.kind).to.equal('allow');
  });

  it('keeps the logout of a device logged out while it is challenged: passing the challenge does not let it in, nor give it a team slot', async () => {
    const { guard } = setup();
    const { ann: stranger, id, deviceId } = await annChallengedThenSlotFreed(guard);
    await guard.kick('ann', deviceId);
    expect(await guard.challenges.complete(id, deviceId)).to.deep.equal({ ok: false, error: 'closed' });
    expect(attachedIds(await guard.groupDevices('acme'))).to.have.length(2).and.not.include(deviceId);
    expect((await stranger.open()).verdict.kind).to.equal('logout');
  });

  it('matches groups in policies, e.g. letting the QA team through whatever fires', async () => {
    const { guard } = setup({ limits: { devices: 1 }, policies: (defaults) => [...defaults, { name: 'qa', priority: 100, when: { group: ['qa', 'staff'] }, action: 'allow' }] });
    const tester = { id: 'tess', groups: ['qa'] };
    for (let n = 0; n < 3; n++) expect((await device(guard, tester, n).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, { id: 'carl' }, 0).open()).verdict.kind).to.equal('allow');
    expect((await device(guard, { id: 'carl' }, 1).open()).verdict.kind).to.equal('challenge');
  });

  it('lets a malformed group through (fail open), counted as an identify failure', async () => {
    const { guard } = setup({ limits: { devices: 1 } });
    for (const groups of [[''], [{ id: 'acme', limits: { devices: -1 } }], [{ id: 'acme', limits: { people: 2 } }], 'acme']) {
      expect((await device(guard, { id: 'ann', groups } as unknown as Identity, 0).open()).verdict.kind).to.equal('allow');
    }
    expect(guard.stats().identifyFailures).to.equal(4);
  });

  it('names the group whose limits are not an object, instead of failing on them', async () => {
    const logged: string[] = [];
    const { guard } = setup({ logger: { warn: () => {}, error: (message: string) => logged.push(message) } });
    const identity = { id: 'ann', groups: [{ id: 'acme', limits: 5 }] } as unknown as Identity;
    expect((await device(guard, identity, 0).open()).verdict.kind).to.equal('allow');
    expect(logged.join('\n')).to.match(/groups\[0\]\.limits/);
  });

  it('rejects a group condition that is not a list of names when sharelock is created', () => {
    expect(() => setup({ policies: [{ name: 'x', priority: 1, when: { group: 3 } as never, action: 'allow' }] })).to.throw(/policies\[0\]\.when\.group/);
  });
}
