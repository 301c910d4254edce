import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { playInsights } from '../../examples/express/insights.js';
import { playSignals } from '../../examples/express/signals.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import { launchChromium, type HeadlessChromium } from '../support/chromium.js';
import { listenExample, type ExampleGuard } from '../support/example-server.js';

// Every run keeps its screenshots as artefacts (gitignored); SCREENSHOTS=1 also refreshes the docs' curated set.
const ARTIFACTS = join(process.cwd(), '.artifacts', 'dashboard');
const DOCS = process.env.SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : undefined;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

describe('The sharing dashboard in a real browser (Streamly example, scripted population)', function () {
  this.timeout(60_000);
  let chromium: HeadlessChromium;
  let browser: Browser;
  let server: Server;
  let base: string;
  let guard: ExampleGuard;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  before(async () => {
    ({ server, base, guard } = await listenExample());
    // The population plays through the real middleware, as `npm run demo:signals` and `demo:insights` do.
    await playSignals(base);
    await playInsights(base);
    chromium = await launchChromium();
    browser = chromium.browser;
    mkdirSync(ARTIFACTS, { recursive: true });
    if (DOCS) mkdirSync(DOCS, { recursive: true });
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await chromium?.close();
    await guard?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterEach(() => {
    expect(problems, 'console errors and warnings').to.deep.equal([]);
  });

  /** A browser of its own, failing the test on any console error or warning (a CSP violation is one). */
  async function newPage(options: { viewport?: typeof DESKTOP; colorScheme?: 'light' | 'dark'; isMobile?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, colorScheme: options.colorScheme ?? 'light', isMobile: options.isMobile ?? false, baseURL: base });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      // The example app has no favicon; that 404 is the example's, not the dashboard's.
      if (message.location().url.endsWith('/favicon.ico')) return;
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    return page;
  }

  async function logIn(page: Page, name: string): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText(`Signed in as ${name}`).waitFor();
  }

  /** Full page to the artefacts; to the docs (`docs`: `'full'` or `'screen'`) when asked for. */
  async function screenshot(page: Page, name: string, docs?: 'full' | 'screen'): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    if (DOCS && docs) await page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: docs === 'full' });
  }

  it('refuses anonymous visitors, alice, carol and bob with a 403 that shows no data', async () => {
    const page = await newPage();
    const response = await page.goto('/admin/sharing');
    expect(response?.status()).to.equal(403);
    await page.getByRole('heading', { name: 'Not allowed' }).first().waitFor();
    // Chromium reports the refused document itself as a console error: expected here, and the only one allowed.
    const refusal = problems.findIndex((p) => /status of 403 .*\/admin\/sharing\)$/.test(p));
    if (refusal >= 0) problems.splice(refusal, 1);
    expect(await page.content()).not.to.include('Accounts most likely shared');
    for (const user of ['alice', 'carol', 'bob']) {
      const device = new Device(base);
      await device.login(user);
      for (const [path, method] of [['/admin/sharing', 'GET'], ['/admin/sharing/account', 'POST'], ['/admin/sharing/action', 'POST']] as const) {
        const refused = await device.request(path, method === 'POST' ? { form: { account: 'alice', action: 'suspend' } } : {});
        expect(refused.status, `${user} ${method} ${path}`).to.equal(403);
        expect(await refused.text()).not.to.include('Accounts most likely shared');
      }
    }
  });

  it('shows admin the accounts most likely shared, people, the challenge funnel, conversions and verdicts, with real numbers', async () => {
    const now = guard.config.now();
    // The population spans more than a month of the example's clock: the 90-day view holds it all.
    const insights = await guard.insights({ from: now - 89 * 86_400_000, to: now });
    const stats = guard.stats();
    expect(insights.totals.challenges.created, 'the population opened challenges').to.be.greaterThan(0);
    expect(insights.totals.conversions, 'the population converted').to.be.greaterThan(0);

    const page = await newPage();
    await logIn(page, 'admin');
    await page.getByRole('link', { name: 'Sharing dashboard' }).click();
    await page.getByRole('heading', { name: 'Accounts most likely shared' }).waitFor();
    await page.getByRole('link', { name: '90 days' }).click();
    await page.getByText('90 days', { exact: true }).and(page.locator('[aria-current="page"]')).waitFor();
    const accounts = page.locator('section[aria-labelledby="h-accounts"] tbody tr');
    expect(await accounts.count()).to.be.greaterThan(5);
    // Highest score first.
    const scores = (await page.locator('section[aria-labelledby="h-accounts"] tbody .score').allTextContents()).map(Number);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
    expect(scores[0]).to.be.greaterThan(0);
    const funnel = page.locator('section[aria-labelledby="h-funnel"] tbody tr').first();
    expect(await funnel.locator('td').nth(1).textContent()).to.equal(String(insights.totals.challenges.created));
    const revenue = Object.entries(insights.totals.revenue)[0]!;
    await page.getByText(`${revenue[1].toFixed(2)} ${revenue[0]}`).first().waitFor();
    await page.getByRole('heading', { name: 'People per account' }).waitFor();
    // This server's counters since start: at least what they were before the page was drawn.
    expect(Number(await page.locator('section[aria-labelledby="h-verdicts"] tbody tr').first().locator('td').nth(1).textContent())).to.be.at.least(stats.allow);
    expect(await page.locator('svg.chart').count()).to.be.greaterThanOrEqual(4);
    await screenshot(page, 'dashboard-overview-light', 'full');

    const dark = await newPage({ colorScheme: 'dark' });
    await logIn(dark, 'admin');
    await dark.goto('/admin/sharing?days=90');
    expect(await dark.evaluate('getComputedStyle(document.body).backgroundColor')).to.equal('rgb(11, 16, 32)');
    await screenshot(dark, 'dashboard-overview-dark', 'screen');

    const phone = await newPage({ viewport: PHONE, isMobile: true });
    await logIn(phone, 'admin');
    await phone.goto('/admin/sharing?days=90');
    // Readable on a phone: nothing wider than the screen but the tables' own scrolling boxes.
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(PHONE.width);
    await screenshot(phone, 'dashboard-overview-phone', 'screen');
    const phoneDark = await newPage({ viewport: PHONE, isMobile: true, colorScheme: 'dark' });
    await logIn(phoneDark, 'admin');
    await phoneDark.goto('/admin/sharing?days=90');
    await screenshot(phoneDark, 'dashboard-overview-phone-dark');
  });

  it('opens an account with no account data in the URL, and detaches a device by keyboard after a confirmation', async () => {
    const page = await newPage();
    await logIn(page, 'admin');
    await page.goto('/admin/sharing');
    const first = page.locator('section[aria-labelledby="h-accounts"] tbody tr th a').first();
    const accountId = (await first.textContent())!;
    await first.click();
    await page.getByRole('heading', { name: `Account ${accountId}` }).waitFor();
    expect(page.url()).to.match(/\/admin\/sharing\/account\?t=[A-Za-z0-9_-]+$/);
    expect(page.url()).not.to.include(encodeURIComponent(accountId));
    expect(page.url()).not.to.include(accountId);
    await page.getByRole('heading', { name: 'Signals' }).waitFor();
    expect(await page.locator('.signals li').count(), 'signals in words').to.be.greaterThan(0);
    expect(await page.locator('.signals li').first().textContent()).to.match(/observed .+, threshold .+/);
    await screenshot(page, 'dashboard-account-light', 'screen');

    const devicesBefore = (await guard.devices(accountId)).filter((d) => d.status === 'attached').length;
    // Tab from the top of the page until the first "Detach" button has the focus: every action is reachable.
    let focused = '';
    for (let n = 0; n < 60 && !focused.startsWith('Detach '); n++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''");
    }
    expect(focused).to.match(/^Detach /);
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline, 'visible focus').to.equal('solid');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Detach · / }).waitFor();
    await screenshot(page, 'dashboard-confirm');
    // The confirmation button has the focus.
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('The device was detached').waitFor();
    expect(page.url()).not.to.include(accountId);
    expect((await guard.devices(accountId)).filter((d) => d.status === 'attached').length).to.equal(devicesBefore - 1);

    const phone = await newPage({ viewport: PHONE, isMobile: true, colorScheme: 'dark' });
    await logIn(phone, 'admin');
    await phone.goto(page.url().replace(/&done=\w+$/, ''));
    await phone.getByRole('heading', { name: `Account ${accountId}` }).waitFor();
    await screenshot(phone, 'dashboard-account-phone-dark', 'screen');
  });

  it('refuses an action without the form’s CSRF token, and an account link that was tampered with', async () => {
    const device = new Device(base);
    await device.login('admin');
    const overview = await (await device.request('/admin/sharing')).text();
    const link = /href="(\/admin\/sharing\/account\?t=[^"]+)"/.exec(overview)![1]!;
    const token = new URL(link, base).searchParams.get('t')!;
    const noCsrf = await device.request('/admin/sharing/action', { form: { t: token, action: 'suspend', confirm: 'yes' } });
    expect(noCsrf.status).to.equal(403);
    const tampered = await device.request(`/admin/sharing/account?t=${token.slice(0, -2)}AA`);
    expect(tampered.status).to.equal(410);
  });
});
