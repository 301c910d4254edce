import { expect } from 'chai';
import { createSharelock, minutes, Outbox, seconds, type CodeMessage, type Identity, type Options } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const guard = createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 1 }, now: clock.now, logger: { warn: () => {}, error: () => {} }, ...options });
  return { guard, clock, flow: guard.challenges };
}

/** The account's first device is in; a second one is challenged. Returns the challenged device and its challenge id. */
async function challenged(guard: ReturnType<typeof setup>['guard'], identity: Identity) {
  await new CoreDevice(guard, identity).open();
  // Another browser (a Mac), so it cannot be taken for the first one with its cookies cleared.
  const device = new CoreDevice(guard, identity, { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' });
  const decision = await device.open();
  if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
  return { id: decision.verdict.challenge.id, deviceId: decision.deviceId!, device };
}

const alice: Identity = { id: 'alice', email: 'alice@example.com', phone: '+44 7700 900123' };

describe('challenge flow (headless API)', () => {
  it('goes created → presented → code_sent → verified → completed', async () => {
    const { guard, flow } = setup();
    const { id, deviceId, device } = await challenged(guard, alice);
    const statuses: string[] = [];
    const presented = await flow.present(id, deviceId);
    statuses.push(presented.ok ? presented.value.status : presented.error);
    const sent = await flow.claimOwnership(id, deviceId);
    statuses.push(sent.ok ? sent.value.status : sent.error);
    expect(sent.ok && sent.value.destinations).to.deep.equal(['a••••@example.com', '•••• ••23']);
    const code = guard.outbox!.latest('alice@example.com')!.code;
    expect(guard.outbox!.latest('+44 7700 900123')!.code, 'one code for every channel').to.equal(code);
    const verified = await flow.verifyCode(id, deviceId, ` ${code.slice(0, 3)}-${code.slice(3)} `);
    statuses.push(verified.ok ? verified.value.status : verified.error);
    const listing = await flow.devices(id, deviceId);
    expect(listing.ok && listing.value.toLogOut).to.equal(1);
    const other = listing.ok ? listing.value.devices.find((d) => !d.current)! : undefined;
    expect((await flow.complete(id, deviceId)).ok, 'still over the limit').to.equal(false);
    await flow.kick(id, deviceId, other!.id);
    const completed = await flow.complete(id, deviceId);
    expect(completed).to.deep.equal({ ok: true, value: { redirect: '/watch/1' } });
    statuses.push((await guard.config.store.getChallenge(id))!.status);
    expect(statuses).to.deep.equal(['presented', 'code_sent', 'verified', 'completed']);
    expect((await device.open()).verdict.kind).to.equal('allow');
  });

  it('stores only a hash of the code', async () => {
    const { guard, flow } = setup();
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    const stored = JSON.stringify(await guard.config.store.getChallenge(id));
    expect(stored).not.to.include(guard.outbox!.latest()!.code);
  });

  it('expires a code after 10 minutes and rate-limits new ones', async () => {
    const { guard, flow, clock } = setup();
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    const first = guard.outbox!.latest()!.code;
    const tooSoon = await flow.sendCode(id, deviceId);
    expect(tooSoon).to.deep.include({ ok: false, error: 'resend_too_soon', retryInMs: seconds(30) });
    clock.advance(minutes(10));
    expect(await flow.verifyCode(id, deviceId, first)).to.deep.include({ ok: false, error: 'code_expired' });
    expect((await flow.sendCode(id, deviceId)).ok).to.equal(true);
    const second = guard.outbox!.latest()!.code;
    if (second !== first) expect(await flow.verifyCode(id, deviceId, first)).to.deep.include({ error: 'wrong_code' });
    expect((await flow.verifyCode(id, deviceId, second)).ok).to.equal(true);
  });

  it('publishes and counts the first code once when two requests race to send it', async () => {
    const { guard, flow } = setup();
    const { id, deviceId } = await challenged(guard, alice);
    await flow.present(id, deviceId);
    const published: string[] = [];
    guard.on('challenge.code_sent', (event) => void published.push(event.id));
    const results = await Promise.all([flow.sendCode(id, deviceId), flow.sendCode(id, deviceId)]);
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(published, 'one challenge.code_sent, not one per racer').to.have.length(1);
    expect((await guard.insights()).totals.challenges.codeSent).to.equal(1);
  });

  it('words the code email and SMS for the default app name', async () => {
    const { guard, flow } = setup();
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    for (const to of ['alice@example.com', '+44 7700 900123']) {
      const { subject, text, code } = guard.outbox!.latest(to)!;
      expect(subject).to.equal('Your verification code for this service');
      expect(text).to.equal(`Your verification code for this service is ${code}. It expires in 10 minutes. If you did not ask for it, someone may be using your account: change your password.`);
    }
  });

  it("words the code message with the app's name, and a code valid for 1 minute", async () => {
    const { guard, flow } = setup({ branding: { appName: 'Streamly' }, challenge: { codeTtlMs: minutes(1) } });
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    const { subject, text, code } = guard.outbox!.latest('alice@example.com')!;
    expect(subject).to.equal('Your verification code for Streamly');
    expect(text).to.match(new RegExp(`^Your verification code for Streamly is ${code}\\. It expires in 1 minute\\. `));
  });

  it('fails after five wrong codes, and a failed challenge stays failed', async () => {
    const { guard, flow } = setup();
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    const code = guard.outbox!.latest()!.code;
    const wrong = code === '999999' ? '000000' : '999999';
    const errors = [];
    for (let i = 0; i < 5; i++) {
      const result = await flow.verifyCode(id, deviceId, wrong);
      errors.push(result.ok ? 'ok' : `${result.error}:${result.attemptsLeft ?? '-'}`);
    }
    expect(errors).to.deep.equal(['wrong_code:4', 'wrong_code:3', 'wrong_code:2', 'wrong_code:1', 'too_many_attempts:-']);
    expect(await flow.verifyCode(id, deviceId, code)).to.deep.include({ ok: false, error: 'too_many_attempts' });
  });

  it('spends each attempt once when two tabs race', async () => {
    const { guard, flow } = setup({ challenge: { maxAttempts: 3 } });
    const { id, deviceId } = await challenged(guard, alice);
    await flow.claimOwnership(id, deviceId);
    await Promise.all(Array.from({ length: 10 }, () => flow.verifyCode(id, deviceId, 'nope')));
    expect((await guard.config.store.getChallenge(id))!).to.include({ attempts: 3, status: 'failed' });
  });

  it('skips the code when the account has no email or phone', async () => {
    const { guard, flow } = setup();
    const { id, deviceId } = await challenged(guard, { id: 'nocontact' });
    const result = await flow.claimOwnership(id, deviceId);
    expect(result.ok && result.value).to.include({ status: 'skipped', verified: true });
    expect(guard.outbox!.messages).to.have.length(0);
  });

  it('skips the code when the app turns verification off (dangerously)', async () => {
    const { guard, flow } = setup({ challenge: { dangerouslySkipOwnerVerification: true } });
    const { id, deviceId } = await challenged(guard, alice);
    expect((await flow.claimOwnership(id, deviceId)).ok).to.equal(true);
    expect((await flow.devices(id, deviceId)).ok).to.equal(true);
    expect(guard.outbox!.messages).to.have.length(0);
  });

  it('lets the user ask again at once when sending fails', async () => {
    let fail = true;
    const outbox = new Outbox();
    const flaky = { send: async (message: CodeMessage) => (fail ? Promise.reject(new Error('SMTP 421')) : outbox.send(message)) };
    const { guard, flow } = setup({ senders: { email: flaky } });
    const { id, deviceId } = await challenged(guard, alice);
    expect(await flow.claimOwnership(id, deviceId)).to.deep.include({ ok: false, error: 'send_failed' });
    fail = false;
    expect((await flow.sendCode(id, deviceId)).ok).to.equal(true);
    expect(outbox.messages).to.have.length(1);
  });

  it('refuses other devices, unknown ids and kicks of devices not on the account', async () => {
    const { guard, flow } = setup({ challenge: { dangerouslySkipOwnerVerification: true } });
    const { id, deviceId } = await challenged(guard, alice);
    expect(await flow.present(id, 'someone-else')).to.deep.equal({ ok: false, error: 'wrong_device' });
    expect(await flow.present('x'.repeat(22), deviceId)).to.deep.equal({ ok: false, error: 'not_found' });
    expect(await flow.present('../../etc', deviceId)).to.deep.equal({ ok: false, error: 'not_found' });
    expect(await flow.devices(id, deviceId)).to.deep.include({ ok: false, error: 'not_verified' });
    await flow.claimOwnership(id, deviceId);
    expect(await flow.kick(id, deviceId, deviceId)).to.deep.equal({ ok: false, error: 'unknown_device' });
    expect(await flow.kick(id, deviceId, { $ne: 1 })).to.deep.equal({ ok: false, error: 'unknown_device' });
  });

  it('reuses the pending challenge of a device, and expires it after 30 minutes', async () => {
    const { guard, clock } = setup();
    const { id, device } = await challenged(guard, alice);
    const again = await device.open();
    expect(again.verdict.kind === 'challenge' && again.verdict.challenge.id).to.equal(id);
    clock.advance(minutes(30));
    const fresh = await device.open();
    expect(fresh.verdict.kind).to.equal('challenge');
    expect(fresh.verdict.kind === 'challenge' && fresh.verdict.challenge.id).not.to.equal(id);
    expect((await guard.config.store.getChallenge(id))!.status).to.equal('overridden');
  });
});
