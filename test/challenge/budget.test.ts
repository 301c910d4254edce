import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createSharelock, days, hours, MemoryStore, minutes, SharelockError, type Identity, type Options } from '../../src/index.js';
import { protectedApp } from '../support/apps.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
// The account's own devices are Windows laptops; the guesser a Mac, so it never takes their slot
// as "the same browser with its cookies cleared".
const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
/** The "I'm the owner" choice, as the page writes it. */
const OWNER = 'I&#39;m the owner';

/** The memory store, counting the codes it was asked to record as wrong: every code actually compared and found wrong. */
class GuessCountingStore extends MemoryStore {
  compared = 0;
  override recordFailedAttempt(id: string, maxAttempts: number) {
    this.compared++;
    return super.recordFailedAttempt(id, maxAttempts);
  }
}

/** alice's plan allows 2 devices; both are in, so any other browser of hers is challenged. */
async function attackedApp(options: Partial<Options<express.Request, express.Response>> = {}) {
  const store = new GuessCountingStore();
  const made = protectedApp(express, { store, ...options });
  const browser = (userAgent = MAC) => {
    const agent = request.agent(made.app);
    const headers = { 'x-account': 'alice', 'user-agent': userAgent };
    return {
      get: (path: string) => agent.get(path).set(headers),
      post: (path: string, form: Record<string, string>) => agent.post(path).set(headers).type('form').send(form),
    };
  };
  for (let i = 0; i < 2; i++) expect((await browser(LAPTOP).get('/watch/1')).status).to.equal(200);
  const outbox = made.guard.outbox!;
  /** A 6-digit code that is not alice's latest one, different for each `n`. */
  const wrong = (n: number) => {
    const latest = Number(outbox.latest('alice@example.com')?.code ?? '0');
    return String((latest + 1 + n) % 1_000_000).padStart(6, '0');
  };
  /**
   * One round of the attack as a script would play it: open a protected page, follow it to the
   * challenge, say "I'm the owner" (even when the page no longer offers it), then post wrong codes
   * until the site stops answering "wrong code".
   */
  const round = async (device: ReturnType<typeof browser>) => {
    const sent = await device.get('/watch/1');
    expect(sent.status, 'sent to a challenge').to.equal(303);
    const url = sent.headers.location!;
    const intro = (await device.get(url)).text;
    const csrf = csrfOf(intro);
    const owner = await device.post(`${url}/owner`, { _csrf: csrf });
    let last = owner;
    for (let n = 0; n < 10; n++) {
      last = await device.post(`${url}/verify`, { _csrf: csrf, code: wrong(n) });
      if (last.headers.location !== `${url}/verify?notice=wrong_code`) break;
    }
    const after = last.status === 303 ? (await device.get(last.headers.location!)).text : last.text;
    return { url, intro, owner, last, after };
  };
  return { ...made, store, browser, round, wrong, outbox, close: () => made.guard.close() };
}

describe('challenge budgets: guessing through repeated lockouts', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  const app = async (options?: Partial<Options<express.Request, express.Response>>) => {
    const made = await attackedApp(options);
    opened.push(made);
    return made;
  };
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close();
  });

  it('lets a device guessing wrong codes check 5 per hour, however many challenges it opens, and sends it no new code meanwhile', async () => {
    const { browser, round, store, outbox } = await app();
    const guesser = browser();
    const first = await round(guesser);
    expect(first.owner.headers.location, 'the first code is sent').to.equal(`${first.url}/verify`);
    expect(first.last.status, 'the fifth wrong code fails the challenge').to.equal(403);
    expect(store.compared).to.equal(5);
    expect(outbox.messages).to.have.length(1);

    // Before the fix each new challenge came with a new code and 5 fresh attempts: 100 guesses in 20 rounds.
    for (let i = 0; i < 19; i++) {
      const next = await round(guesser);
      expect(next.url, 'each round opens a new challenge').not.to.equal(first.url);
      expect(next.owner.headers.location, '"I\'m the owner" answers with the waiting page').to.equal(next.url);
    }
    expect(store.compared, 'codes compared in 20 rounds').to.equal(5);
    expect(outbox.messages, 'codes sent in 20 rounds').to.have.length(1);
  });

  it('says when to try again, keeps the other ways out, and lets the owner in with the right code after the wait', async () => {
    const { browser, round, clock, outbox } = await app();
    const owner = browser();
    const failed = await round(owner);
    // The challenge it failed says how long to wait (the clock starts at 12:00 UTC).
    expect(failed.after).to.include('Please try again later').and.include('You can try again in 60 minutes.');
    expect(failed.after).to.include('Create my own account').and.include('Log out this device').and.not.include(OWNER);

    clock.advance(minutes(15));
    const waiting = await round(owner);
    expect(waiting.intro, 'the new challenge says it too').to.include('You can try again in 45 minutes.');
    expect(waiting.intro).to.include('Create my own account').and.include('Log out this device').and.not.include(OWNER);
    expect((await owner.get(`${waiting.url}/verify`)).headers.location, 'no code form while waiting').to.equal(waiting.url);

    // "Create my own account" works while waiting.
    const csrf = csrfOf(waiting.intro);
    expect((await owner.post(`${waiting.url}/new-account`, { _csrf: csrf })).headers.location).to.equal('/signup');

    clock.advance(minutes(45));
    const sent = await owner.get('/watch/1');
    const url = sent.headers.location!;
    const intro = (await owner.get(url)).text;
    expect(intro).to.include(OWNER).and.not.include('try again at');
    expect((await owner.post(`${url}/owner`, { _csrf: csrfOf(intro) })).headers.location).to.equal(`${url}/verify`);
    expect(outbox.messages).to.have.length(2);
    const right = await owner.post(`${url}/verify`, { _csrf: csrfOf(intro), code: outbox.latest('alice@example.com')!.code });
    expect(right.headers.location, 'the right code is accepted').to.equal(`${url}/devices`);
  });

  it('lets the failed challenge\'s "Log out this device" work while it waits', async () => {
    const { browser, round, logouts } = await app();
    const guesser = browser();
    const failed = await round(guesser);
    const out = await guesser.post(`${failed.url}/logout`, { _csrf: csrfOf(failed.after) });
    expect(out.headers.location).to.equal('/logout?reason=self');
    expect(logouts).to.deep.equal(['alice']);
  });

  it('doubles the wait at each lockout: 1 hour, then 2 hours', async () => {
    const { browser, round, clock, store } = await app();
    const guesser = browser();
    expect((await round(guesser)).after).to.include('in 60 minutes');
    clock.advance(hours(1));
    const second = await round(guesser);
    expect(store.compared).to.equal(10);
    expect(second.after).to.include('You can try again in 2 hours.');
    clock.advance(hours(1));
    await round(guesser);
    expect(store.compared, 'still waiting an hour later').to.equal(10);
  });

  it('stops a sharer rotating devices at the account budget: 10 codes checked and 2 sent per hour, over 10 new cookies', async () => {
    const { browser, round, store, outbox } = await app();
    const rounds = [];
    for (let i = 0; i < 10; i++) rounds.push(await round(browser()));
    expect(store.compared).to.equal(10);
    expect(outbox.messages).to.have.length(2);
    expect(rounds[2]!.intro, 'the third cookie waits too').to.include('You can try again in ').and.not.include(OWNER);
  });

  it('sends at most 8 codes an hour to the owner, however many devices ask and re-send', async () => {
    const { browser, clock, outbox } = await app();
    for (let i = 0; i < 10; i++) {
      const device = browser();
      const url = (await device.get('/watch/1')).headers.location!;
      const csrf = csrfOf((await device.get(url)).text);
      await device.post(`${url}/owner`, { _csrf: csrf });
      for (let resend = 0; resend < 5; resend++) {
        clock.advance(31_000);
        await device.post(`${url}/resend`, { _csrf: csrf });
      }
    }
    expect(outbox.messages).to.have.length(8);
  });

  it('tells a device whose re-sends are spent that no new code comes, while the last one can still be entered', async () => {
    const { browser, clock, outbox } = await app();
    const owner = browser();
    const url = (await owner.get('/watch/1')).headers.location!;
    const csrf = csrfOf((await owner.get(url)).text);
    await owner.post(`${url}/owner`, { _csrf: csrf });
    for (let resend = 0; resend < 3; resend++) {
      clock.advance(31_000);
      expect((await owner.post(`${url}/resend`, { _csrf: csrf })).headers.location).to.equal(`${url}/verify?notice=resent`);
    }
    clock.advance(31_000);
    const refused = await owner.post(`${url}/resend`, { _csrf: csrf });
    expect(refused.headers.location).to.equal(`${url}/verify`);
    const page = (await owner.get(`${url}/verify`)).text;
    expect(page).to.include('No new code can be sent for 58 minutes. Enter the last code we sent.').and.not.include('Send a new code');
    expect(outbox.messages).to.have.length(4);
    expect((await owner.post(`${url}/verify`, { _csrf: csrf, code: outbox.latest('alice@example.com')!.code })).headers.location).to.equal(`${url}/devices`);
  });

  it('lets an honest owner in who mistypes twice on each of two devices and asks for a new code on each', async () => {
    const { browser, clock, outbox, wrong } = await app();
    for (const userAgent of [MAC, LAPTOP.replace('Windows NT 10.0', 'X11; Linux x86_64')]) {
      const device = browser(userAgent);
      const url = (await device.get('/watch/1')).headers.location!;
      const csrf = csrfOf((await device.get(url)).text);
      await device.post(`${url}/owner`, { _csrf: csrf });
      clock.advance(31_000);
      await device.post(`${url}/resend`, { _csrf: csrf });
      for (let n = 0; n < 2; n++) expect((await device.post(`${url}/verify`, { _csrf: csrf, code: wrong(n) })).headers.location).to.equal(`${url}/verify?notice=wrong_code`);
      expect((await device.get(`${url}/verify?notice=wrong_code`)).text).to.include('That code is not right. 3 attempts left.');
      expect((await device.post(`${url}/verify`, { _csrf: csrf, code: outbox.latest('alice@example.com')!.code })).headers.location).to.equal(`${url}/devices`);
      await device.post(`${url}/kick`, { _csrf: csrf, device: /name="device" value="([^"]+)"/.exec((await device.get(`${url}/devices`)).text)![1]! });
      expect((await device.post(`${url}/complete`, { _csrf: csrf })).headers.location).to.equal('/watch/1');
    }
    expect(outbox.messages).to.have.length(4);
  });

  it('lets an honest owner in who mistypes once', async () => {
    const { browser, outbox, wrong } = await app();
    const owner = browser();
    const url = (await owner.get('/watch/1')).headers.location!;
    const csrf = csrfOf((await owner.get(url)).text);
    await owner.post(`${url}/owner`, { _csrf: csrf });
    expect((await owner.post(`${url}/verify`, { _csrf: csrf, code: wrong(0) })).headers.location).to.equal(`${url}/verify?notice=wrong_code`);
    expect((await owner.post(`${url}/verify`, { _csrf: csrf, code: outbox.latest('alice@example.com')!.code })).headers.location).to.equal(`${url}/devices`);
  });
});

/** The core alone on a fake clock, for what a day of attack adds up to. */
function core(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const store = new GuessCountingStore();
  const guard = createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 1 }, store, now: clock.now, logger: { warn: () => {}, error: () => {} }, ...options });
  return { guard, clock, store, flow: guard.challenges };
}

const alice: Identity = { id: 'alice', email: 'alice@example.com', phone: '+44 7700 900123' };

/**
 * A guesser that keeps at it for a day: it opens a challenge, asks for a code and enters wrong
 * ones, then waits exactly as long as it is told to (never when a new cookie would do, with
 * `rotate`). `perHour` paces it: at most that many guesses in each hour, never running a budget
 * out, as an attacker would who knew the back-off counts lockouts.
 */
async function dayOfGuessing({ rotate, perHour = Infinity }: { rotate: boolean; perHour?: number }) {
  const { guard, clock, store, flow } = core();
  await new CoreDevice(guard, alice).open();
  const start = clock.now();
  let device = new CoreDevice(guard, alice, { 'user-agent': MAC });
  let guesses = 0;
  // Wrong codes only: every 6-digit string in turn, skipping the one that was sent.
  const guess = () => {
    const next = String(guesses++ % 1_000_000).padStart(6, '0');
    return next === guard.outbox!.latest()?.code ? '999999' : next;
  };
  let hour = 0;
  let thisHour = 0;
  while (clock.now() < start + days(1)) {
    if (Math.floor((clock.now() - start) / hours(1)) !== hour) [hour, thisHour] = [Math.floor((clock.now() - start) / hours(1)), 0];
    if (thisHour >= perHour) {
      clock.advance(start + (hour + 1) * hours(1) - clock.now());
      continue;
    }
    if (rotate) device = new CoreDevice(guard, alice, { 'user-agent': MAC });
    const decision = await device.open();
    if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
    const { id } = decision.verdict.challenge;
    const deviceId = decision.deviceId!;
    let result = await flow.claimOwnership(id, deviceId);
    while ((result.ok || result.error === 'wrong_code' || result.error === 'code_expired') && thisHour < perHour) {
      if (!result.ok && result.error === 'code_expired') result = await flow.sendCode(id, deviceId);
      else {
        thisHour++;
        result = await flow.verifyCode(id, deviceId, guess());
      }
    }
    if (!result.ok && result.error !== 'locked' && result.error !== 'too_many_attempts' && result.error !== 'wrong_code') throw new Error(`unexpected ${result.error}`);
    const told = !result.ok && (result.error === 'locked' || !rotate) ? (result.retryInMs ?? 0) : 0;
    clock.advance(Math.max(told, 1000));
  }
  await guard.close();
  return { guesses: store.compared, codes: guard.outbox!.messages.filter((m) => m.channel === 'email').length };
}

/**
 * Someone who only wants the owner's inbox and phone flooded for a day: a new cookie asks for a
 * code and re-sends as often as it may, then the next cookie; it waits only when told to.
 */
async function dayOfCodes() {
  const { guard, clock, flow } = core();
  await new CoreDevice(guard, alice).open();
  const start = clock.now();
  while (clock.now() < start + days(1)) {
    const decision = await new CoreDevice(guard, alice, { 'user-agent': MAC }).open();
    if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
    const { id } = decision.verdict.challenge;
    let result = await flow.claimOwnership(id, decision.deviceId!);
    if (!result.ok && result.error === 'locked') {
      clock.advance(Math.max(result.retryInMs ?? 0, 1000)); // even a new cookie gets no code: the account's budget
      continue;
    }
    while (result.ok || result.error === 'resend_too_soon') {
      clock.advance(result.ok ? 30_000 : (result.retryInMs ?? 1000));
      result = await flow.sendCode(id, decision.deviceId!);
    }
  }
  await guard.close();
  return guard.outbox!.messages.filter((m) => m.channel === 'sms').length;
}

describe('challenge budgets: what a day of guessing adds up to (defaults)', () => {
  it('checks at most 25 codes a day from one device and about 50 from an account, however paced: a 6-digit code holds with 1 - 6e-5 a day', async function () {
    const device = await dayOfGuessing({ rotate: false });
    const rotating = await dayOfGuessing({ rotate: true });
    const paced = await dayOfGuessing({ rotate: true, perHour: 9 });
    this.test!.title += ` (measured in 24 h: one device ${device.guesses} guesses, ${device.codes} codes sent; rotating cookies ${rotating.guesses} guesses, ${rotating.codes} codes; rotating at 9 an hour ${paced.guesses} guesses, ${paced.codes} codes)`;
    expect(device.guesses).to.be.at.most(25);
    expect(rotating.guesses).to.be.at.most(50);
    expect(paced.guesses).to.be.at.most(60);
    expect(Math.max(device.codes, rotating.codes, paced.codes)).to.be.at.most(40);
  });

  it('sends the owner at most 40 codes a day however many cookies ask (before: one every 30 s per device)', async function () {
    const sms = await dayOfCodes();
    this.test!.title += ` (measured: ${sms} text messages in 24 h)`;
    expect(sms).to.be.at.most(40);
  });
});

describe('challenge budgets (headless API)', () => {
  it('answers a locked device with `locked`, the time to wait, and the view saying until when', async () => {
    const { guard, flow, clock } = core();
    await new CoreDevice(guard, alice).open();
    const device = new CoreDevice(guard, alice, { 'user-agent': MAC });
    const open = async () => {
      const decision = await device.open();
      if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      return { id: decision.verdict.challenge.id, deviceId: decision.deviceId! };
    };
    const first = await open();
    await flow.claimOwnership(first.id, first.deviceId);
    for (let i = 0; i < 5; i++) await flow.verifyCode(first.id, first.deviceId, '000000' === guard.outbox!.latest()!.code ? '111111' : '000000');
    expect(await flow.present(first.id, first.deviceId)).to.deep.equal({ ok: false, error: 'too_many_attempts', retryInMs: hours(1) });
    clock.advance(minutes(10));
    const second = await open();
    const viewed = await flow.present(second.id, second.deviceId);
    expect(viewed.ok && viewed.value).to.include({ lockedUntil: clock.now() + minutes(50), attemptsLeft: 0 });
    expect(await flow.claimOwnership(second.id, second.deviceId)).to.deep.include({ ok: false, error: 'locked', retryInMs: minutes(50) });
    expect(guard.outbox!.messages).to.have.length(2); // one code, to email and SMS
    await guard.close();
  });

  it('checks no more codes than the budget when 20 racing guesses hit one challenge', async () => {
    const { guard, flow, store } = core({ challenge: { maxAttempts: 20 } });
    await new CoreDevice(guard, alice).open();
    const decision = await new CoreDevice(guard, alice, { 'user-agent': MAC }).open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const { id } = decision.verdict.challenge;
    await flow.claimOwnership(id, decision.deviceId!);
    const code = guard.outbox!.latest()!.code;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => flow.verifyCode(id, decision.deviceId!, String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'))));
    expect(store.compared).to.equal(5);
    // The fifth wrong code spent the device's budget: it answers `locked` too, with the 15 refused unchecked.
    expect(results.filter((r) => !r.ok && r.error === 'wrong_code')).to.have.length(4);
    expect(results.filter((r) => !r.ok && r.error === 'locked')).to.have.length(16);
    await guard.close();
  });

  it('keeps the budgets in the store: a second app server on the same store refuses the locked device too', async () => {
    const clock = new FakeClock();
    const store = new GuessCountingStore();
    const make = () => createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 1 }, store, now: clock.now, logger: { warn: () => {}, error: () => {} } });
    const [one, two] = [make(), make()];
    await new CoreDevice(one, alice).open();
    const device = new CoreDevice(one, alice, { 'user-agent': MAC });
    const decision = await device.open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const { id } = decision.verdict.challenge;
    await one.challenges.claimOwnership(id, decision.deviceId!);
    for (let i = 0; i < 6; i++) await [one, two][i % 2]!.challenges.verifyCode(id, decision.deviceId!, 'abcdef');
    const other = new CoreDevice(two, alice, { 'user-agent': MAC });
    const next = await other.open();
    if (next.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    await two.challenges.claimOwnership(next.verdict.challenge.id, next.deviceId!);
    await two.challenges.verifyCode(next.verdict.challenge.id, next.deviceId!, 'abcdef');
    for (let i = 0; i < 6; i++) await two.challenges.verifyCode(next.verdict.challenge.id, next.deviceId!, 'abcdef');
    expect(store.compared, 'the first device\'s 5, then the account\'s other 5').to.equal(10);
    const third = new CoreDevice(one, alice, { 'user-agent': MAC });
    const last = await third.open();
    if (last.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    expect(await one.challenges.claimOwnership(last.verdict.challenge.id, last.deviceId!)).to.deep.include({ ok: false, error: 'locked' });
    await Promise.all([one.close(), two.close()]);
  });

  it('cannot be flushed out of the memory store by 1100 new cookies: the account stays locked', async function () {
    this.timeout(60_000);
    const { guard, flow, store } = core();
    await new CoreDevice(guard, alice).open();
    const challenged = async () => {
      const decision = await new CoreDevice(guard, alice, { 'user-agent': MAC }).open();
      if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      return { id: decision.verdict.challenge.id, deviceId: decision.deviceId! };
    };
    for (let d = 0; d < 2; d++) {
      const { id, deviceId } = await challenged();
      await flow.claimOwnership(id, deviceId);
      for (let i = 0; i < 5; i++) await flow.verifyCode(id, deviceId, 'abcdef');
    }
    for (let i = 0; i < 1100; i++) {
      const { id, deviceId } = await challenged();
      await flow.claimOwnership(id, deviceId);
    }
    const last = await challenged();
    expect(await flow.claimOwnership(last.id, last.deviceId)).to.deep.include({ ok: false, error: 'locked' });
    expect(store.compared).to.equal(10);
    expect(guard.outbox!.messages.filter((m) => m.channel === 'email')).to.have.length(2);
    await guard.close();
  });

  it('fails closed on the code path when the store cannot count: no code sent, no code checked', async () => {
    const { guard, flow, store } = core();
    await new CoreDevice(guard, alice).open();
    const decision = await new CoreDevice(guard, alice, { 'user-agent': MAC }).open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const { id } = decision.verdict.challenge;
    const count = store.countHit.bind(store);
    store.countHit = () => Promise.reject(new Error('connection refused'));
    let error: unknown;
    await flow.claimOwnership(id, decision.deviceId!).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect(guard.outbox!.messages).to.have.length(0);
    store.countHit = count;
    await flow.claimOwnership(id, decision.deviceId!);
    const code = guard.outbox!.latest()!.code;
    store.countHit = () => Promise.reject(new Error('connection refused'));
    error = undefined;
    await flow.verifyCode(id, decision.deviceId!, code).catch((e: unknown) => (error = e));
    expect(error, 'not even the right code is checked').to.be.instanceOf(Error);
    expect((await store.getChallenge(id))!.status).to.equal('code_sent');
    await guard.close();
  });

  it('opens the challenge anyway when the store cannot count on the decision path: a paying user is never locked out by a fault', async () => {
    const { guard, store } = core();
    await new CoreDevice(guard, alice).open();
    store.countHit = () => Promise.reject(new Error('connection refused'));
    const decision = await new CoreDevice(guard, alice, { 'user-agent': MAC }).open();
    expect(decision.verdict.kind).to.equal('challenge');
    await guard.close();
  });
});

describe('challenge budget options', () => {
  const base = { secret: SECRET, identify: () => null, logger: { warn: () => {}, error: () => {} } };

  it('resolves the defaults: per hour, 5 wrong codes, 4 codes and 5 challenges per device, 10, 8 and 20 per account, back-off up to a day', () => {
    const guard = createSharelock(base);
    expect(guard.config.challenge.budget).to.deep.equal({
      windowMs: hours(1),
      maxWindowMs: days(1),
      perDevice: { wrongCodes: 5, codesSent: 4, challengesOpened: 5 },
      perAccount: { wrongCodes: 10, codesSent: 8, challengesOpened: 20 },
    });
  });

  it('takes each budget as given, the others keeping their defaults', () => {
    const guard = createSharelock({ ...base, challenge: { budget: { windowMs: minutes(30), perAccount: { wrongCodes: 6 } } } });
    expect(guard.config.challenge.budget).to.deep.include({ windowMs: minutes(30), maxWindowMs: days(1) });
    expect(guard.config.challenge.budget.perAccount).to.deep.equal({ wrongCodes: 6, codesSent: 8, challengesOpened: 20 });
  });

  it('rejects unknown keys and bad values with SHARELOCK_E_..., naming the option and the value', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ window: 1 }, 'SHARELOCK_E_OPTION_UNKNOWN', /Unknown option `challenge\.budget\.window`\. Did you mean `windowMs`\?/],
      [{ perDevice: { wrongCode: 3 } }, 'SHARELOCK_E_OPTION_UNKNOWN', /Unknown option `challenge\.budget\.perDevice\.wrongCode`\. Did you mean `wrongCodes`\?/],
      [{ perAccount: { codesSent: 0 } }, 'SHARELOCK_E_OPTION_INVALID', /Invalid `challenge\.budget\.perAccount\.codesSent`: 0\. It must be a whole number from 1 to 1000/],
      [{ perDevice: { challengesOpened: 2.5 } }, 'SHARELOCK_E_OPTION_INVALID', /Invalid `challenge\.budget\.perDevice\.challengesOpened`: 2\.5/],
      [{ windowMs: 10 }, 'SHARELOCK_E_OPTION_INVALID', /Invalid `challenge\.budget\.windowMs`: 10\. It must be a whole number from 1000 to 2592000000 \(milliseconds/],
      [{ windowMs: hours(2), maxWindowMs: hours(1) }, 'SHARELOCK_E_OPTION_INVALID', /Invalid `challenge\.budget\.maxWindowMs`: 3600000\. It must be at least `challenge\.budget\.windowMs` \(7200000 ms\)/],
      ['lots', 'SHARELOCK_E_OPTION_INVALID', /Invalid `challenge\.budget`: "lots"\. Pass an object\./],
    ];
    for (const [budget, code, message] of cases) {
      expect(() => createSharelock({ ...base, challenge: { budget: budget as never } }), JSON.stringify(budget))
        .to.throw(SharelockError, message)
        .with.property('code', code);
    }
  });

  it('refuses a custom store without countHit, saying what it is for', () => {
    const store = new MemoryStore() as unknown as Record<string, unknown>;
    store.countHit = undefined;
    expect(() => createSharelock({ ...base, store: store as never }))
      .to.throw(SharelockError, /`countHit` is missing\. It keeps the challenge budgets/)
      .with.property('code', 'SHARELOCK_E_OPTION_INVALID');
  });
});
