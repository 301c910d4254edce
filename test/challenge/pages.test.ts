import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { MemoryStore, minutes, seconds, type Options } from '../../src/index.js';
import { protectedApp } from '../support/apps.js';

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** An Express app where alice's plan has these limits; each `browser()` is one of her devices. */
function aliceApp(limits: NonNullable<Options['limits']>, options: Partial<Options<express.Request, express.Response>> = {}) {
  const { app, guard } = protectedApp(express, { limits, ...options });
  const browser = (userAgent: string) => {
    const agent = request.agent(app);
    const headers = { 'x-account': 'alice', 'user-agent': userAgent };
    return {
      get: (path: string) => agent.get(path).set(headers),
      post: (path: string, form: Record<string, string>) => agent.post(path).set(headers).type('form').send(form),
    };
  };
  /** The challenge's first page and, once she has said she is the owner, the code form. */
  const codePage = async (b: ReturnType<typeof browser>) => {
    const sent = await b.get('/watch/1');
    expect(sent.status, 'sent to the challenge').to.equal(303);
    const url = sent.headers.location!;
    const intro = (await b.get(url)).text;
    await b.post(`${url}/owner`, { _csrf: csrfOf(intro) });
    const verify = (await b.get(`${url}/verify`)).text;
    /** Post a form to the code page and follow its redirect. */
    const post = async (action: 'verify' | 'resend', form: Record<string, string> = {}) => {
      const posted = await b.post(`${url}/${action}`, { _csrf: csrfOf(verify), ...form });
      return { location: posted.headers.location, page: (await b.get(posted.headers.location!)).text };
    };
    return { url, intro, verify, post, code: () => guard.outbox!.latest('alice@example.com')!.code };
  };
  /** The challenge's first page and, once she has confirmed she is the owner, its devices page. */
  const challengePages = async (b: ReturnType<typeof browser>) => {
    const { url, intro, post, code } = await codePage(b);
    const verified = await post('verify', { code: code() });
    expect(verified.location, 'code accepted').to.equal(`${url}/devices`);
    return { intro, devices: verified.page };
  };
  return { browser, codePage, challengePages, close: () => guard.close() };
}

describe('challenge pages', () => {
  const opened: Array<{ close(): Promise<void> | void }> = [];
  const app = (...args: Parameters<typeof aliceApp>) => {
    const made = aliceApp(...args);
    opened.push(made);
    return made;
  };
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close();
  });

  it("says how many phones the plan allows when a second phone is over the plan's phone limit", async () => {
    const { browser, challengePages } = app({ devices: 3, mobile: 1 });
    await browser(IPHONE).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Your plan on this service allows 1 device of this type (Phone), and that limit is reached. What would you like to do?').and.not.include('allows 3 devices');
    expect(devices).to.include('Your plan allows 1 device of this type (Phone). Log out the ones you no longer use.').and.include('Log out 1 device to continue.');
  });

  it('names the phone limit when the total is full too: logging out the other phone is what makes room', async () => {
    const { browser, challengePages } = app({ devices: 2, mobile: 1 });
    await browser(IPHONE).get('/watch/1');
    await browser(LAPTOP).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Your plan on this service allows 1 device of this type (Phone)').and.not.include('allows 2 devices,');
    expect(devices).to.include('Your plan allows 1 device of this type (Phone).');
  });

  for (const [limit, devicesWord] of [[1, '1 device'], [3, '3 devices']] as const) {
    it(`says the plan allows ${devicesWord} when the total is what is full`, async () => {
      const { browser, challengePages } = app({ devices: limit, mobile: 1 });
      for (let n = 0; n < limit; n++) await browser(LAPTOP).get('/watch/1');
      const { intro, devices } = await challengePages(browser(IPHONE));
      expect(intro).to.include(`Your plan on this service allows ${devicesWord}, and that limit is reached. What would you like to do?`).and.not.include('of this type');
      expect(devices).to.include(`Your plan allows ${devicesWord}. Log out the ones you no longer use.`).and.not.include('of this type');
      expect(devices).to.include('Log out 1 device to continue.');
    });
  }

  it("names the app in the plan's limit", async () => {
    const { browser, challengePages } = app({ devices: 2 }, { branding: { appName: 'Streamly' } });
    await browser(LAPTOP).get('/watch/1');
    await browser(LAPTOP).get('/watch/1');
    const { intro } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Your plan on Streamly allows 2 devices, and that limit is reached.');
  });

  it('asks whether it is the owner on an account that looks shared, naming the app', async () => {
    const policies = [{ name: 'confirm_new_devices', priority: 60, when: { signal: 'device_count' }, action: { challenge: 'verify' as const } }];
    for (const [branding, name] of [[{}, 'this service'], [{ appName: 'Streamly' }, 'Streamly']] as const) {
      const { browser, challengePages } = app({ devices: 1 }, { policies, branding });
      await browser(LAPTOP).get('/watch/1');
      const { intro } = await challengePages(browser(IPHONE));
      expect(intro).to.include(`This account on ${name} looks like it is being used by more than one person. What would you like to do?`);
    }
  });

  it('shows the per-type strings as the app words them', async () => {
    const strings = { introTypeLead: 'Only {limit} ({type}) on {appName}.', devicesTypeLead: 'Keep {limit} ({type}).' };
    const { browser, challengePages } = app({ devices: 3, mobile: 1 }, { branding: { appName: 'Streamly', strings } });
    await browser(IPHONE).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Only 1 device (Phone) on Streamly.');
    expect(devices).to.include('Keep 1 device (Phone).');
  });

  it("counts devices in the app's own nouns, in its sentences and the default ones", async () => {
    const strings = { introTypeLead: '{appName} gives you {limit} ({type}).', devicesOne: 'one seat', devicesOther: '{count} seats' };
    const { browser, challengePages } = app({ devices: 3, mobile: 1 }, { branding: { appName: 'Streamly', strings } });
    await browser(IPHONE).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Streamly gives you one seat (Phone).');
    expect(devices).to.include('Your plan allows one seat of this type (Phone).').and.include('Log out one seat to continue.');
  });

  it('says how long the code lasts, in minutes, and 1 minute', async () => {
    for (const [challenge, expires] of [[{}, '10 minutes'], [{ codeTtlMs: minutes(1) }, '1 minute']] as const) {
      const { browser, codePage } = app({ devices: 1 }, { challenge });
      await browser(LAPTOP).get('/watch/1');
      const { verify } = await codePage(browser(IPHONE));
      expect(verify).to.include(`We sent a 6-digit code to a••••@example.com. It expires in ${expires}.`);
    }
  });

  it('counts the attempts left after a wrong code, down to 1 attempt', async () => {
    for (const [maxAttempts, left] of [[5, '4 attempts'], [2, '1 attempt']] as const) {
      const { browser, codePage } = app({ devices: 1 }, { challenge: { maxAttempts } });
      await browser(LAPTOP).get('/watch/1');
      const { post, code } = await codePage(browser(IPHONE));
      const wrong = code().replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      expect((await post('verify', { code: wrong })).page).to.include(`That code is not right. ${left} left.`);
    }
  });

  it('says how many seconds to wait before another code, down to 1 second', async () => {
    for (const [resendIntervalMs, wait] of [[seconds(30), '30 seconds'], [seconds(1), '1 second']] as const) {
      const { browser, codePage } = app({ devices: 1 }, { challenge: { resendIntervalMs } });
      await browser(LAPTOP).get('/watch/1');
      const { post } = await codePage(browser(IPHONE));
      expect((await post('resend')).page).to.include(`Please wait ${wait} before asking for another code.`);
    }
  });

  it("says until when a spent budget pauses the owner's path in the app's own words, down to 1 minute", async () => {
    const strings = { lockedLead: 'Paused until {time} UTC, {wait} from now.', minutesOne: 'one minute', minutesOther: '{count} min', hoursOther: '{count} h' };
    const { app: made, guard, clock } = protectedApp(express, { limits: { devices: 1 }, branding: { strings }, challenge: { budget: { windowMs: minutes(10), perDevice: { wrongCodes: 1 } } } });
    opened.push({ close: () => guard.close() });
    const headers = { 'x-account': 'alice', 'user-agent': LAPTOP };
    await request(made).get('/watch/1').set(headers);
    const agent = request.agent(made);
    const iphone = { ...headers, 'user-agent': IPHONE };
    const url = (await agent.get('/watch/1').set(iphone)).headers.location!;
    const csrf = csrfOf((await agent.get(url).set(iphone)).text);
    await agent.post(`${url}/owner`).set(iphone).type('form').send({ _csrf: csrf });
    const code = guard.outbox!.latest('alice@example.com')!.code;
    await agent.post(`${url}/verify`).set(iphone).type('form').send({ _csrf: csrf, code: code === '000000' ? '111111' : '000000' });
    for (const [advance, text] of [[0, 'Paused until Jan 5, 12:10 PM UTC, 10 min from now.'], [minutes(9) + seconds(30), 'Paused until Jan 5, 12:10 PM UTC, one minute from now.']] as const) {
      clock.advance(advance);
      const page = (await agent.get(url).set(iphone)).text;
      expect(page).to.include(text).and.include('Create my own account').and.not.include(`${url}/owner`);
    }
  });

  it('tells an unknown link, an expired challenge, a finished one and a wrong code each in its own words', async () => {
    const { app: made, guard, clock } = protectedApp(express, { limits: { devices: 1 } });
    opened.push({ close: () => guard.close() });
    const headers = { 'x-account': 'alice', 'user-agent': LAPTOP };
    const title = (html: string) => /<h1 id="title">([^<]*)<\/h1>/.exec(html)?.[1];
    await request(made).get('/watch/1').set(headers);
    const iphone = { ...headers, 'user-agent': IPHONE };
    const agent = request.agent(made);
    const url = (await agent.get('/watch/1').set(iphone)).headers.location!;

    // A restarted memory store forgets its challenges: the link is not "for another device".
    const unknown = await agent.get(url.replace(/[^/]+$/, 'A'.repeat(22))).set(iphone);
    expect([unknown.status, title(unknown.text)]).to.deep.equal([404, 'This page is not available']);

    // "Log out this device" asks first, and the question changes nothing.
    const question = await agent.get(`${url}/logout`).set(iphone);
    expect([question.status, title(question.text)]).to.deep.equal([200, 'Log out of this service on this device?']);
    expect(question.text).to.include(`action="${url}/logout"`).and.include('Yes, log out');

    const csrf = csrfOf((await agent.get(url).set(iphone)).text);
    await agent.post(`${url}/owner`).set(iphone).type('form').send({ _csrf: csrf });
    await agent.post(`${url}/resend`).set(iphone).type('form').send({ _csrf: csrf });
    const waiting = (await agent.get(`${url}/verify?notice=resend_too_soon`).set(iphone)).text;
    expect(waiting).to.include('Please wait').and.not.include('aria-invalid');
    await agent.post(`${url}/verify`).set(iphone).type('form').send({ _csrf: csrf, code: 'x' });
    expect((await agent.get(`${url}/verify?notice=wrong_code`).set(iphone)).text).to.include('aria-invalid="true"');

    clock.advance(minutes(31));
    const expired = await agent.get(url).set(iphone);
    expect([expired.status, title(expired.text)]).to.deep.equal([410, 'This page has expired']);

    const again = request.agent(made);
    const next = (await again.get('/watch/1').set(iphone)).headers.location!;
    const token = csrfOf((await again.get(next).set(iphone)).text);
    await again.post(`${next}/new-account`).set(iphone).type('form').send({ _csrf: token });
    const done = await again.get(next).set(iphone);
    expect([done.status, title(done.text)]).to.deep.equal([410, 'You are all set']);
  });

  it('names devices as people do, with a coarse place and relative times, and which one was logged out', async () => {
    const { app: made, guard, clock } = protectedApp(express, { limits: { devices: 2 }, trustProxy: true, geo: { headers: ['cloudflare'] } });
    opened.push({ close: () => guard.close() });
    const paris = { 'x-account': 'alice', 'user-agent': IPHONE, 'x-forwarded-for': '2a01:cb00::1', 'cf-iplatitude': '48.86', 'cf-iplongitude': '2.35', 'cf-ipcountry': 'FR', 'cf-ipcity': 'Paris' };
    await request(made).get('/watch/1').set(paris);
    clock.advance(minutes(60));
    await request(made).get('/watch/1').set({ 'x-account': 'alice', 'user-agent': LAPTOP, 'cf-ipcountry': 'BE' });
    clock.advance(minutes(120));
    const mac = { 'x-account': 'alice', 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' };
    const agent = request.agent(made);
    const url = (await agent.get('/watch/1').set(mac)).headers.location!;
    const csrf = csrfOf((await agent.get(url).set(mac)).text);
    await agent.post(`${url}/owner`).set(mac).type('form').send({ _csrf: csrf });
    await agent.post(`${url}/verify`).set(mac).type('form').send({ _csrf: csrf, code: guard.outbox!.latest('alice@example.com')!.code });
    const devices = (await agent.get(`${url}/devices`).set(mac)).text;
    expect(devices).to.include('<strong>Chrome on Mac</strong>').and.include('<strong>Chrome on Windows</strong>').and.include('<strong>iPhone</strong>');
    expect(devices).to.include('Last used 3 hours ago · near Paris · added 3 hours ago').and.include('Last used 2 hours ago · in Belgium');
    expect(devices).not.to.match(/2a01|network|UTC/);
    const iphone = /<li><div><strong>iPhone<\/strong>[\s\S]*?name="device" value="([^"]+)"/.exec(devices)![1]!;
    const kicked = await agent.post(`${url}/kick`).set(mac).type('form').send({ _csrf: csrf, device: iphone });
    expect(kicked.headers.location).to.equal(`${url}/devices?signedOut=${encodeURIComponent(iphone)}`);
    expect((await agent.get(kicked.headers.location!).set(mac)).text).to.include('iPhone was logged out.');
  });

  it('logs a store outage on the challenge pages once, not on every page request', async () => {
    const errors: string[] = [];
    const store = new MemoryStore();
    const { app, guard } = protectedApp(express, { store, logger: { warn: () => {}, error: (message: string) => void errors.push(message) } });
    const headers = { 'x-account': 'alice', 'user-agent': LAPTOP };
    for (let i = 0; i < 3; i++) await request(app).get('/watch/1').set(headers);
    const agent = request.agent(app);
    const url = (await agent.get('/watch/1').set(headers)).headers.location!;
    expect(url).to.match(/\/challenge\//);
    store.getChallenge = () => Promise.reject(new Error('connection refused'));
    for (let i = 0; i < 5; i++) expect((await agent.get(url).set(headers)).status).to.equal(503);
    expect(errors.filter((m) => m.startsWith('Challenge page'))).to.have.length(1);
    await guard.close();
  });
});
