import { expect } from 'chai';
import { createSharelock, EVENT_TYPES, MemoryStore, type AttachInput, type AttachResult, type DeviceRecord, type EventType, type Identity, type Options, type SharelockEvent } from '../../src/index.js';
import { Events } from '../../src/events/emitter.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };
const IPHONE = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' };
const alice: Identity = { id: 'alice', email: 'alice@example.com', metadata: { sessionId: 's-alice-1' } };
const HOUR = 3_600_000;

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const guard = createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 1 }, now: clock.now, logger: { warn: () => {}, error: () => {} }, ...options });
  const events: SharelockEvent[] = [];
  for (const type of EVENT_TYPES) guard.on(type, (event) => void events.push(event as SharelockEvent));
  const of = <T extends EventType>(type: T) => events.filter((e) => e.type === type) as unknown as Array<SharelockEvent<T>>;
  return { guard, clock, events, of };
}

/** Two devices on a one-device plan: the second is challenged. */
async function challenged(guard: ReturnType<typeof setup>['guard'], identity = alice) {
  const first = new CoreDevice(guard, identity);
  const firstId = (await first.open()).deviceId!;
  const second = new CoreDevice(guard, identity, MAC);
  const decision = await second.open();
  if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
  return { first, firstId, second, id: decision.verdict.challenge.id, deviceId: decision.deviceId! };
}

describe('the event vocabulary', () => {
  it('gives every event a unique id, its type and its time', async () => {
    const { guard, events, clock } = setup();
    const { id, deviceId } = await challenged(guard);
    await guard.challenges.resolve(id, deviceId, 'new_account');
    expect(events.length).to.be.greaterThan(3);
    expect(new Set(events.map((e) => e.id)).size).to.equal(events.length);
    for (const event of events) {
      expect(event.id).to.match(/^evt_[A-Za-z0-9_-]{22}$/);
      expect(EVENT_TYPES).to.include(event.type);
      expect(event.at).to.equal(clock.now());
    }
  });

  it('attaches a device once, with its metadata, and not on the cached repeats', async () => {
    const { guard, of } = setup({ trustProxy: true, limits: { devices: 5 } });
    const laptop = new CoreDevice(guard, alice).at('81.2.69.160');
    const deviceId = (await laptop.open()).deviceId!;
    await laptop.open();
    await laptop.open();
    expect(of('device.attached')).to.have.length(1);
    expect(of('device.attached')[0]).to.deep.include({ accountId: 'alice', deviceId, deviceType: 'computer', ip: '81.2.69.160', metadata: { sessionId: 's-alice-1' } });
    expect(of('device.attached')[0]!.agent).to.include({ browser: 'Chrome' });
  });

  it('follows a challenge: created with its reasons, presented, code sent, verified, the owner logs a device out, the new one attaches, completed', async () => {
    const { guard, events, of } = setup();
    const { firstId, id, deviceId } = await challenged(guard);
    await guard.challenges.present(id, deviceId);
    await guard.challenges.claimOwnership(id, deviceId);
    await guard.challenges.verifyCode(id, deviceId, guard.outbox!.latest()!.code);
    await guard.challenges.kick(id, deviceId, firstId);
    await guard.challenges.complete(id, deviceId);
    expect(events.map((e) => e.type)).to.deep.equal([
      'device.attached',
      'challenge.created',
      'account.flagged',
      'challenge.presented',
      'challenge.code_sent',
      'challenge.verified',
      'device.detached',
      'device.attached',
      'challenge.completed',
    ]);
    const base = { accountId: 'alice', deviceId, challengeId: id, kind: 'device_limit' };
    expect(of('challenge.created')[0]).to.deep.include({ ...base, deviceType: 'computer' });
    expect(of('challenge.created')[0]!.reasons[0]).to.include({ check: 'device_count', observed: 2, threshold: 1, policy: 'device_limit' });
    expect(of('challenge.code_sent')[0]).to.deep.include({ ...base, channels: ['email'] });
    expect(of('challenge.verified')[0]).to.include({ ...base, method: 'code' });
    expect(of('device.detached')[0]).to.deep.include({ accountId: 'alice', deviceId: firstId, cause: 'owner', status: 'kicked', logout: true, challengeId: id, metadata: { sessionId: 's-alice-1' } });
    expect(of('device.attached')[1]).to.include({ deviceId, challengeId: id });
    expect(of('challenge.completed')[0]).to.include({ ...base, resolution: 'owner' });
    // Nothing secret: no code, no address.
    expect(JSON.stringify(events)).to.not.include(guard.outbox!.latest()!.code).and.not.include('alice@example.com');
  });

  it('says "skipped" when the owner path needs no code, and reports failed and expired challenges', async () => {
    const { guard, of, clock } = setup({ challenge: { maxAttempts: 2 } });
    const nobody = { id: 'nobody' };
    const skipped = await challenged(guard, nobody);
    await guard.challenges.claimOwnership(skipped.id, skipped.deviceId);
    expect(of('challenge.verified')[0]).to.include({ challengeId: skipped.id, method: 'skipped' });

    const failing = await challenged(guard);
    await guard.challenges.claimOwnership(failing.id, failing.deviceId);
    await guard.challenges.verifyCode(failing.id, failing.deviceId, '000000');
    await guard.challenges.verifyCode(failing.id, failing.deviceId, '000001');
    expect(of('challenge.failed').map((e) => e.challengeId)).to.deep.equal([failing.id]);

    const bob = { id: 'bob', email: 'bob@example.com' };
    const expiring = await challenged(guard, bob);
    clock.advance(guard.config.challenge.ttlMs);
    await guard.challenges.present(expiring.id, expiring.deviceId);
    expect(of('challenge.expired').map((e) => e.challengeId)).to.deep.equal([expiring.id]);
  });

  it('reports the way out the user chose', async () => {
    const { guard, of } = setup();
    const { id, deviceId } = await challenged(guard);
    await guard.challenges.resolve(id, deviceId, 'logged_out');
    expect(of('challenge.completed')[0]).to.include({ challengeId: id, resolution: 'logged_out' });
  });

  it('detaches through the admin API with cause admin and the metadata to revoke the session; excluding is not a detach', async () => {
    const { guard, of } = setup({ limits: { devices: 5 } });
    const laptopId = (await new CoreDevice(guard, alice).open()).deviceId!;
    const macId = (await new CoreDevice(guard, alice, MAC).open()).deviceId!;
    const phoneId = (await new CoreDevice(guard, alice, IPHONE).open()).deviceId!;
    await guard.kick('alice', laptopId);
    await guard.detach('alice', macId);
    await guard.exclude('alice', phoneId);
    expect(await guard.kick('alice', 'no-such-device')).to.equal(false);
    expect(of('device.detached').map((e) => [e.deviceId, e.cause, e.status, e.logout])).to.deep.equal([
      [laptopId, 'admin', 'kicked', true],
      [macId, 'admin', 'detached', true],
    ]);
    expect(of('device.detached')[1]).to.deep.include({ deviceType: 'computer', metadata: { sessionId: 's-alice-1' } });
  });

  it('reports what policies do: a logout policy detaches (cause policy), a suspend policy suspends (by policy), and so does the admin', async () => {
    const { guard, of } = setup({
      limits: { devices: 5 },
      policies: (defaults) => [
        ...defaults,
        { name: 'banned', priority: 1000, when: { plan: 'banned' }, action: 'logout' },
        { name: 'fraud', priority: 1000, when: { plan: 'fraud' }, action: 'suspend' },
      ],
    });
    const banned = await new CoreDevice(guard, { id: 'carol', plan: 'banned', metadata: { sessionId: 's-carol' } }).open();
    expect(banned.verdict.kind).to.equal('logout');
    expect(of('device.detached')[0]).to.deep.include({ accountId: 'carol', deviceId: banned.deviceId, cause: 'policy', status: 'detached', logout: true, metadata: { sessionId: 's-carol' } });

    const fraud = await new CoreDevice(guard, { id: 'dave', plan: 'fraud' }).open();
    expect(fraud.verdict.kind).to.equal('suspended');
    expect(of('account.suspended')[0]).to.include({ accountId: 'dave', by: 'policy', deviceId: fraud.deviceId });
    await guard.suspend('erin');
    await guard.unsuspend('erin');
    expect(of('account.suspended').map((e) => [e.accountId, e.by])).to.deep.equal([['dave', 'policy'], ['erin', 'admin']]);
  });

  it('flags an account once per check and hour, with the check, the observed value and the threshold', async () => {
    const { guard, of, clock } = setup();
    await challenged(guard);
    await new CoreDevice(guard, alice, IPHONE).open();
    expect(of('account.flagged')).to.have.length(1);
    expect(of('account.flagged')[0]).to.include({ accountId: 'alice', check: 'device_count', observed: 2, threshold: 1, policy: 'device_limit', monitor: false, verdict: 'challenge' });
    clock.advance(HOUR);
    await new CoreDevice(guard, alice, IPHONE).open();
    expect(of('account.flagged').map((e) => e.observed)).to.deep.equal([2, 2]);
    await challenged(guard, { id: 'bob' });
    expect(of('account.flagged').map((e) => e.accountId)).to.deep.equal(['alice', 'alice', 'bob']);
  });

  it('flags in monitor mode too, marked monitor, while the request goes through', async () => {
    const { guard, of } = setup({ monitor: true });
    await new CoreDevice(guard, alice).open();
    const second = await new CoreDevice(guard, alice, MAC).open();
    expect(second.verdict.kind).to.equal('allow');
    expect(of('account.flagged')[0]).to.include({ check: 'device_count', monitor: true, verdict: 'allow' });
    expect(of('device.attached')).to.have.length(2);
  });

  it('reports devices detached as unused (cause inactivity, no logout) when the store says which', async () => {
    const store = new InactiveReporting();
    const { guard, of, clock } = setup({ store, limits: { devices: 5 } });
    const oldId = (await new CoreDevice(guard, alice).open()).deviceId!;
    clock.advance(guard.config.inactiveAfterMs + 1);
    await new CoreDevice(guard, alice, MAC).open();
    expect(of('device.detached')).to.have.length(1);
    expect(of('device.detached')[0]).to.deep.include({ deviceId: oldId, cause: 'inactivity', status: 'detached', logout: false, metadata: { sessionId: 's-alice-1' } });
  });

  it('keeps the legacy events beside the new ones', async () => {
    const { guard } = setup();
    const legacy: string[] = [];
    guard.on('decision', (e) => void legacy.push(`decision:${e.verdict.kind}`));
    guard.on('challenge', (e) => void legacy.push(`challenge:${e.status}`));
    await challenged(guard);
    expect(legacy).to.deep.equal(['decision:allow', 'challenge:created', 'decision:challenge']);
  });

  it('builds no payload nobody listens to', () => {
    const events = new Events(() => {});
    let built = 0;
    const payload = () => {
      built++;
      return { at: 1, accountId: 'a', deviceId: 'd', challengeId: 'c', kind: 'verify' as const };
    };
    expect(events.publish('challenge.presented', payload)).to.equal(undefined);
    expect(built).to.equal(0);
    const seen: string[] = [];
    events.on('challenge.presented', (e) => void seen.push(e.id));
    const published = events.publish('challenge.presented', payload);
    expect(built).to.equal(1);
    expect(seen).to.deep.equal([published!.id]);
  });
});

/** A memory store that also names the devices an attach detached as unused (the optional `inactive` result). */
class InactiveReporting extends MemoryStore {
  override async attach(input: AttachInput): Promise<AttachResult> {
    const before = new Map((await this.listDevices(input.accountId)).map((d) => [d.id, d.status]));
    const result = await super.attach(input);
    const inactive: DeviceRecord[] = result.snapshot.devices.filter((d) => before.get(d.id) === 'attached' && d.status === 'detached' && d.id !== input.deviceId);
    return { ...result, inactive } as AttachResult;
  }
}
