import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { DEFAULT_STRINGS, type Options } from '../../src/index.js';
import { escapeHtml } from '../../src/http/html.js';
import { format } from '../../src/challenge/strings.js';
import { protectedApp } from '../support/apps.js';

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
/** A default string as the page shows it: filled in, HTML-escaped. */
const shown = (key: keyof typeof DEFAULT_STRINGS, values: Record<string, string | number> = {}) => escapeHtml(format(DEFAULT_STRINGS[key], { appName: 'this service', ...values }));

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
  /** The challenge's first page and, once she has confirmed she is the owner, its devices page. */
  const challengePages = async (b: ReturnType<typeof browser>) => {
    const sent = await b.get('/watch/1');
    expect(sent.status, 'sent to the challenge').to.equal(303);
    const url = sent.headers.location!;
    const intro = (await b.get(url)).text;
    await b.post(`${url}/owner`, { _csrf: csrfOf(intro) });
    const verify = (await b.get(`${url}/verify`)).text;
    const verified = await b.post(`${url}/verify`, { _csrf: csrfOf(verify), code: guard.outbox!.latest('alice@example.com')!.code });
    expect(verified.headers.location, 'code accepted').to.equal(`${url}/devices`);
    return { intro, devices: (await b.get(`${url}/devices`)).text };
  };
  return { browser, challengePages, close: () => guard.close() };
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
    expect(intro).to.include(shown('introTypeLead', { limit: 1, type: DEFAULT_STRINGS.typeMobile })).and.not.include('allows 3 devices');
    expect(devices).to.include(shown('devicesTypeLead', { limit: 1, type: DEFAULT_STRINGS.typeMobile })).and.include(shown('devicesOverLimit', { count: 1 }));
  });

  it('names the phone limit when the total is full too: logging out the other phone is what makes room', async () => {
    const { browser, challengePages } = app({ devices: 2, mobile: 1 });
    await browser(IPHONE).get('/watch/1');
    await browser(LAPTOP).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include(shown('introTypeLead', { limit: 1, type: DEFAULT_STRINGS.typeMobile })).and.not.include('allows 2 devices,');
    expect(devices).to.include(shown('devicesTypeLead', { limit: 1, type: DEFAULT_STRINGS.typeMobile }));
  });

  it('says how many devices the plan allows when the total is what is full', async () => {
    const { browser, challengePages } = app({ devices: 2, mobile: 1 });
    await browser(LAPTOP).get('/watch/1');
    await browser(LAPTOP).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Your plan on this service allows 2 devices, and they are all in use. What would you like to do?').and.not.include('of this type');
    expect(devices).to.include(shown('devicesLead', { limit: 2 })).and.not.include('of this type');
  });

  it("names the app in the plan's limit", async () => {
    const { browser, challengePages } = app({ devices: 2 }, { branding: { appName: 'Streamly' } });
    await browser(LAPTOP).get('/watch/1');
    await browser(LAPTOP).get('/watch/1');
    const { intro } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Your plan on Streamly allows 2 devices, and they are all in use.');
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
    const strings = { introTypeLead: 'Only {limit} {type} on {appName}.', devicesTypeLead: 'Keep {limit} {type}.' };
    const { browser, challengePages } = app({ devices: 3, mobile: 1 }, { branding: { appName: 'Streamly', strings } });
    await browser(IPHONE).get('/watch/1');
    const { intro, devices } = await challengePages(browser(IPHONE));
    expect(intro).to.include('Only 1 Phone on Streamly.');
    expect(devices).to.include('Keep 1 Phone.');
  });
});
