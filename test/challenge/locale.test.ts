import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createSharelock, SharelockError, type LogoutReason, type Options } from '../../src/index.js';
import { normaliseCode } from '../../src/challenge/codes.js';
import { withReason } from '../../src/http/verdict-response.js';
import { protectedApp } from '../support/apps.js';

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** alice's plan allows 1 device; the laptop takes it, and each `second(language)` is sent to the challenge. */
async function challenged(options: Partial<Options<express.Request, express.Response>> = {}) {
  const made = protectedApp(express, { limits: { devices: 1 }, ...options });
  const headers = { 'x-account': 'alice', 'user-agent': LAPTOP };
  await request(made.app).get('/watch/1').set(headers);
  const second = async (language?: string, extra: Record<string, string> = {}) => {
    const agent = request.agent(made.app);
    const set = { ...headers, 'user-agent': `${LAPTOP} second`, ...(language ? { 'accept-language': language } : {}), ...extra };
    const url = (await agent.get('/watch/1').set(set)).headers.location!;
    const page = await agent.get(url).set(set);
    return { agent, url, page, set };
  };
  return { ...made, second };
}

const title = (html: string) => /<h1 id="title">([^<]*)<\/h1>/.exec(html)?.[1];
const root = (html: string) => /<html lang="([^"]+)" dir="([^"]+)">/.exec(html)?.slice(1);

describe('the language of the challenge pages', () => {
  const guards: Array<{ close(): Promise<void> }> = [];
  const app = async (options: Partial<Options<express.Request, express.Response>> = {}) => {
    const made = await challenged(options);
    guards.push(made.guard);
    return made;
  };
  afterEach(async () => {
    for (const guard of guards.splice(0)) await guard.close();
  });

  it("speaks the visitor's Accept-Language among the shipped languages, says so, and falls back to English", async () => {
    const { second } = await app();
    const cases = [
      ['fr-CA,fr;q=0.9,en;q=0.5', 'fr', 'ltr', 'Ce compte est utilisé sur trop d’appareils'],
      ['pl', 'pl', 'ltr', 'To konto jest używane na zbyt wielu urządzeniach'],
      ['ar-EG,ar;q=0.9', 'ar', 'rtl', 'هذا الحساب مستخدم على عدد كبير جدًا من الأجهزة'],
      ['de-DE,de;q=0.9', 'en', 'ltr', 'This account is in use on too many devices'],
      [undefined, 'en', 'ltr', 'This account is in use on too many devices'],
    ] as const;
    for (const [header, lang, dir, heading] of cases) {
      const { page } = await second(header);
      expect(root(page.text), String(header)).to.deep.equal([lang, dir]);
      expect(title(page.text), String(header)).to.equal(heading);
      expect(page.headers['content-language']).to.equal(lang);
      expect(page.headers.vary).to.match(/Accept-Language/);
    }
  });

  it('counts in the language: "allows 1 device" in Polish and Arabic', async () => {
    const { second } = await app();
    expect((await second('pl')).page.text).to.include('pozwala na 1 urządzenie');
    expect((await second('ar')).page.text).to.include('بـجهاز واحد');
  });

  it('keeps to the `locale` option: one language, a list the header picks from, or the app\'s own choice per request', async () => {
    const fixed = await app({ locale: 'fr' });
    expect(root((await fixed.second('en-US')).page.text)).to.deep.equal(['fr', 'ltr']);

    const listed = await app({ locale: ['pl', 'en'] });
    expect(root((await listed.second('en-GB')).page.text)).to.deep.equal(['en', 'ltr']);
    expect(root((await listed.second('fr')).page.text), 'not offered: the first').to.deep.equal(['pl', 'ltr']);

    const own = await app({ locale: (req) => req.get('x-user-language') });
    expect(root((await own.second('en', { 'x-user-language': 'ar-SA' })).page.text), "the user's setting").to.deep.equal(['ar', 'rtl']);
    expect(root((await own.second('pl')).page.text), 'none: the header').to.deep.equal(['pl', 'ltr']);
  });

  it('keeps English overrides for English visitors, rewords a shipped language, and adds a language of the app', async () => {
    const warnings: string[] = [];
    const { second } = await app({
      logger: { warn: (message) => void warnings.push(message), error: () => {} },
      branding: {
        strings: { introTitle: 'Too many screens' },
        locales: { fr: { introTitle: 'Trop d’écrans' }, de: { introTitle: 'Dieses Konto wird auf zu vielen Geräten genutzt' } },
      },
    });
    expect(title((await second('en')).page.text)).to.equal('Too many screens');
    expect(title((await second('fr')).page.text)).to.equal('Trop d’écrans');
    const german = (await second('de-AT,de;q=0.9')).page.text;
    expect(root(german)).to.deep.equal(['de', 'ltr']);
    expect(title(german)).to.equal('Dieses Konto wird auf zu vielen Geräten genutzt');
    expect(warnings.join('\n')).to.match(/`branding.locales.de` has no introLead, .*English words them/);
  });

  it('sends the code in the language of the page that asked for it', async () => {
    const { second, guard } = await app();
    const { agent, url, page, set } = await second('fr');
    await agent.post(`${url}/owner`).set(set).type('form').send({ _csrf: csrfOf(page.text) });
    const message = guard.outbox!.latest('alice@example.com')!;
    expect(message.locale).to.equal('fr');
    expect(message.subject).to.equal('Votre code de vérification pour this service');
    expect(message.text).to.include('Il expire dans 10 minutes.');
  });

  it('accepts a code typed with Arabic-Indic or Persian digits', () => {
    expect(normaliseCode('١٢٣ ٤٥٦', 6)).to.equal('123456');
    expect(normaliseCode('۱۲۳-۴۵۶', 6)).to.equal('123456');
  });

  it('refuses a language it has no words for, and misspelt keys, naming the option', () => {
    const make = (options: Partial<Options>) => () => createSharelock({ identify: () => null, secret: 'x'.repeat(32), logger: { warn: () => {}, error: () => {} }, ...options });
    expect(make({ locale: 'de' })).to.throw(SharelockError, /Invalid `locale`: "de"\. No strings for this language\. Shipped: en, fr, pl, ar/);
    expect(make({ locale: ['en', 'not a tag'] })).to.throw(SharelockError, /Invalid `locale\[1\]`.*BCP 47/);
    expect(make({ locale: 42 as never })).to.throw(SharelockError, /Invalid `locale`: 42/);
    expect(make({ branding: { locales: { fr: { introTitel: 'x' } as never } } })).to.throw(SharelockError, /Unknown option `branding\.locales\.fr\.introTitel`\. Did you mean `introTitle`\?/);
    expect(make({ branding: { strings: { devicesFew: '{count} devices' } } }), 'plural forms are keys too').not.to.throw();
  });
});

describe('why a device was logged out', () => {
  it('tells onLogout and the logout URL: the owner, the app (admin) or a policy (the person on the device: budget.test.ts)', async () => {
    const reasons: LogoutReason[] = [];
    // A third device of one account is logged out by a policy, not challenged.
    const policies = [{ name: 'no_third_device', priority: 1000, when: { signal: 'device_count' }, action: 'logout' as const }];
    const { app, guard } = protectedApp(express, { onLogout: ({ reason }) => void reasons.push(reason), policies });
    const open = async (account: string) => {
      const agent = request.agent(app);
      const headers = { 'x-account': account, 'user-agent': LAPTOP };
      await agent.get('/watch/1').set(headers);
      return { agent, headers, id: (await guard.devices(account))[0]!.id };
    };
    const kicked = await open('alice');
    await guard.kick('alice', kicked.id);
    expect((await kicked.agent.get('/watch/1').set(kicked.headers)).headers.location).to.equal('/logout?reason=owner');

    const detached = await open('bob');
    await guard.detach('bob', detached.id);
    const asJson = await detached.agent.get('/watch/1').set({ ...detached.headers, accept: 'application/json' });
    expect(asJson.body).to.include({ verdict: 'logout', logoutUrl: '/logout', reason: 'admin' });

    const carol = (n: number) => request(app).get('/watch/1').set({ 'x-account': 'carol', 'user-agent': `${LAPTOP} ${n}` });
    for (const n of [1, 2]) expect((await carol(n)).status).to.equal(200);
    expect((await carol(3)).headers.location).to.equal('/logout?reason=policy');
    expect(reasons).to.deep.equal(['owner', 'admin', 'policy']);
    // The app's own logout URL keeps its query and fragment.
    expect(withReason('https://app.example/bye?from=tv#top', 'owner')).to.equal('https://app.example/bye?from=tv&reason=owner#top');
    await guard.close();
  });
});
