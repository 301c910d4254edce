import { expect } from 'chai';
import { createSharelock, type Identity, type Options, type SharelockEvents } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };
const alice: Identity = { id: 'alice', email: 'alice@example.com' };

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const errors: string[] = [];
  const guard = createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 1 }, now: clock.now, logger: { warn: () => {}, error: (m) => errors.push(m) }, ...options });
  return { guard, clock, errors };
}

describe('events', () => {
  it('emits each judged decision with its reasons, not the cached repeats', async () => {
    const { guard } = setup({ trustProxy: true });
    const decisions: Array<SharelockEvents['decision']> = [];
    guard.on('decision', (event) => void decisions.push(event));
    const laptop = new CoreDevice(guard, alice).at('81.2.69.160');
    await laptop.open();
    await laptop.open();
    await new CoreDevice(guard, alice, MAC).open();
    expect(decisions.map((d) => d.verdict.kind)).to.deep.equal(['allow', 'challenge']);
    expect(decisions[0]).to.include({ accountId: 'alice', ip: '81.2.69.160' });
    expect(decisions[1]!.verdict.reasons).to.deep.include({ check: 'device_count', observed: 2, threshold: 1, message: '2 devices in use; the plan allows 1.', policy: 'device_limit' });
  });

  it('follows a challenge from opened to completed, and the device the owner logged out', async () => {
    const { guard } = setup();
    const challenges: string[] = [];
    const devices: Array<SharelockEvents['device']> = [];
    guard.on('challenge', (event) => void challenges.push(event.resolution ? `${event.status}:${event.resolution}` : event.status));
    guard.on('device', (event) => void devices.push(event));
    const first = new CoreDevice(guard, alice);
    const firstId = (await first.open()).deviceId!;
    const decision = await new CoreDevice(guard, alice, MAC).open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const [id, deviceId] = [decision.verdict.challenge.id, decision.deviceId!];
    await guard.challenges.present(id, deviceId);
    await guard.challenges.claimOwnership(id, deviceId);
    await guard.challenges.verifyCode(id, deviceId, guard.outbox!.latest()!.code);
    await guard.challenges.kick(id, deviceId, firstId);
    await guard.challenges.complete(id, deviceId);
    expect(challenges).to.deep.equal(['created', 'presented', 'code_sent', 'verified', 'completed:owner']);
    expect(devices).to.have.length(1);
    expect(devices[0]).to.include({ accountId: 'alice', deviceId: firstId, status: 'kicked', by: 'owner' });
  });

  it('reports a challenge failed by wrong codes, and devices changed through the admin API', async () => {
    const { guard } = setup({ challenge: { maxAttempts: 2 } });
    const statuses: string[] = [];
    const devices: string[] = [];
    guard.on('challenge', (event) => void statuses.push(event.status));
    guard.on('device', (event) => void devices.push(`${event.status} by ${event.by}`));
    const firstId = (await new CoreDevice(guard, alice).open()).deviceId!;
    const decision = await new CoreDevice(guard, alice, MAC).open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const [id, deviceId] = [decision.verdict.challenge.id, decision.deviceId!];
    await guard.challenges.claimOwnership(id, deviceId);
    await guard.challenges.verifyCode(id, deviceId, '000000');
    await guard.challenges.verifyCode(id, deviceId, '000001');
    expect(statuses.at(-1)).to.equal('failed');
    await guard.detach('alice', firstId);
    expect(devices).to.deep.equal(['detached by admin']);
  });

  it('keeps deciding when a listener throws or rejects, logs it once, and stops calling a listener that was removed', async () => {
    const { guard, errors } = setup({ limits: { devices: 5 } });
    let calls = 0;
    guard.on('decision', () => {
      throw new Error('listener bug');
    });
    guard.on('decision', async () => {
      throw new Error('async listener bug');
    });
    const stop = guard.on('decision', () => void calls++);
    expect((await new CoreDevice(guard, alice).open()).verdict.kind).to.equal('allow');
    stop();
    expect((await new CoreDevice(guard, alice, MAC).open()).verdict.kind).to.equal('allow');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).to.equal(1);
    expect(errors.filter((m) => m.includes("'decision' event listener failed"))).to.have.length(1);
  });

  it('refuses a listener that is not a function', () => {
    const { guard } = setup();
    expect(() => guard.on('decision', 'nope' as never)).to.throw(TypeError, /listener must be a function/);
  });
});
