import { expect } from 'chai';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type HeadlessChromium } from '../support/chromium.js';
import { listenExample, type ExampleGuard } from '../support/example-server.js';

// Every page in every language, scheme and screen size, with screenshots: pages.test.ts.
const VIEWPORT = { width: 900, height: 700 };
const CHALLENGE_URL = /\/sharelock\/challenge\/[^/]+$/;
// Two devices the owner can tell apart on the device list, as a phone and a laptop would be.
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

describe('Challenge pages in a real browser (Streamly example)', () => {
  let chromium: HeadlessChromium;
  let browser: Browser;
  let server: Server;
  let base: string;
  let guard: ExampleGuard;
  const contexts: BrowserContext[] = [];
  // Console errors and warnings of every page of the test: each test ends with none.
  let problems: string[] = [];

  before(async () => {
    ({ server, base, guard } = await listenExample());
    chromium = await launchChromium();
    browser = chromium.browser;
  });

  afterEach(() => {
    const seen = problems;
    problems = [];
    expect(seen, 'console errors and warnings').to.deep.equal([]);
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await chromium?.close();
    await guard?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** A device of its own: a browser context has its own cookies, as a separate phone or laptop would. */
  async function newDevice(userAgent?: string): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORT, baseURL: base, ...(userAgent ? { userAgent } : {}) });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    return page;
  }

  async function logIn(page: Page, name: string): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/`);
    await page.getByText(`Signed in as ${name}`).waitFor();
  }

  async function watch(page: Page, episode = 1): Promise<void> {
    await page.goto(`/watch/${episode}`);
    await page.waitForURL(`${base}/watch/${episode}`);
    await page.getByText('Now playing').waitFor();
  }

  /** Two devices of `name` watching, and a third one sent to the challenge. */
  async function overTheLimit(name: string, agents: [string?, string?] = []): Promise<{ first: Page; second: Page; third: Page }> {
    const [first, second, third] = [await newDevice(agents[0]), await newDevice(agents[1]), await newDevice()];
    for (const page of [first, second]) {
      await logIn(page, name);
      await watch(page);
    }
    await logIn(third, name);
    await third.goto('/watch/1');
    await third.waitForURL(CHALLENGE_URL);
    return { first, second, third };
  }

  async function deviceIdOf(page: Page): Promise<string> {
    const cookie = (await page.context().cookies(base)).find((c) => c.name === 'sl_device');
    expect(cookie, 'device cookie').to.not.equal(undefined);
    return cookie!.value.split('.')[0]!;
  }

  /** The newest code for `email`, read from the example's development outbox page, as a developer would. */
  async function codeFromOutbox(page: Page, email: string): Promise<string> {
    const outbox = await page.context().newPage();
    await outbox.goto('/dev/outbox');
    const code = (await outbox.getByRole('listitem').filter({ hasText: email }).first().locator('code').textContent()) ?? '';
    await outbox.close();
    expect(code).to.match(/^\d{6}$/);
    return code;
  }

  it('lets the owner confirm by code, log out another device and continue watching', async () => {
    const { first, second, third } = await overTheLimit('alice', [IPHONE, WINDOWS]);
    await third.getByRole('heading', { level: 1, name: 'This account is in use on too many devices' }).waitFor();
    expect(await third.getByText('Your plan on Streamly allows 2 devices, and that limit is reached.').count()).to.equal(1);

    await third.getByRole('button', { name: "I'm the owner" }).click();
    await third.waitForURL(/\/verify$/);
    await third.getByRole('heading', { level: 1, name: 'Confirm it is you' }).waitFor();
    const lead = (await third.getByText('We sent a 6-digit code to').textContent()) ?? '';
    expect(lead).to.match(/a•{3,}@example\.com/);
    expect(lead).not.to.contain('alice@example.com');

    const code = await codeFromOutbox(third, 'alice@example.com');
    const wrong = code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    await third.getByLabel('Verification code').fill(wrong);
    await third.getByRole('button', { name: 'Confirm' }).click();
    const error = third.getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).to.equal('That code is not right. 4 attempts left.');
    expect(await third.getByLabel('Verification code').getAttribute('aria-invalid')).to.equal('true');

    await third.getByLabel('Verification code').fill(code);
    await third.getByRole('button', { name: 'Confirm' }).click();
    await third.waitForURL(/\/devices$/);
    await third.getByRole('heading', { level: 1, name: 'Choose the devices that stay signed in' }).waitFor();
    const devices = third.getByRole('list').getByRole('listitem');
    expect(await devices.count()).to.equal(3);
    expect(await devices.filter({ hasText: 'This device' }).count()).to.equal(1);
    expect(await third.getByRole('button', { name: /^Log out: / }).count()).to.equal(2);
    expect(await third.getByRole('status').textContent()).to.equal('Log out 1 device to continue.');
    const continueButton = third.getByRole('button', { name: 'Continue' });
    expect(await continueButton.isDisabled()).to.equal(true);

    // The owner picks the phone by its name; it is the first device (its cookie names the same device).
    const phone = devices.filter({ has: third.getByRole('button', { name: /^Log out: iPhone, / }) });
    expect(await phone.count()).to.equal(1);
    expect(await phone.locator('input[name="device"]').getAttribute('value')).to.equal(await deviceIdOf(first));
    await phone.getByRole('button', { name: /^Log out: / }).click();
    await third.getByText('You are within your plan. You can continue.').waitFor();
    expect(await third.getByText('iPhone was logged out.').count(), 'says which device went').to.equal(1);
    expect(await devices.count()).to.equal(2);
    expect(await continueButton.isEnabled()).to.equal(true);

    await continueButton.click();
    await third.waitForURL(`${base}/watch/1`);
    await third.getByText('Now playing').waitFor();

    // The logged-out device is sent to the app's logout page, and its app session is gone.
    await first.reload();
    await first.waitForURL(`${base}/logout?reason=owner`);
    await first.getByRole('heading', { level: 1, name: 'You are logged out' }).waitFor();
    expect(await first.getByRole('status').textContent(), 'the app says why').to.equal('The account owner signed this device out.');
    await first.goto('/');
    await first.getByLabel('Name').waitFor();
    expect(await first.getByText('Signed in as').count()).to.equal(0);

    // The device that stayed keeps playing, and so does the one that was just let in.
    await watch(second);
    await watch(third, 2);
  });

  it('"Create my own account" leads to the sign-up page', async () => {
    const { third } = await overTheLimit('dave');
    await third.getByRole('button', { name: 'Create my own account' }).click();
    await third.waitForURL(`${base}/signup`);
    await third.getByRole('heading', { level: 1, name: 'Create your own account' }).waitFor();
  });

  it('"Log out this device" asks first, then logs the device out and shows the logout page', async () => {
    const { first, third } = await overTheLimit('erin');
    await third.getByRole('button', { name: 'Log out this device' }).click();
    await third.getByRole('heading', { level: 1, name: 'Log out of Streamly on this device?' }).waitFor();
    // "No" changes nothing.
    await third.getByRole('link', { name: 'No, go back' }).click();
    await third.waitForURL(CHALLENGE_URL);
    await third.getByRole('button', { name: 'Log out this device' }).click();
    await third.getByRole('button', { name: 'Yes, log out' }).click();
    await third.waitForURL(`${base}/logout?reason=self`);
    await third.getByRole('heading', { level: 1, name: 'You are logged out' }).waitFor();
    expect(await third.getByRole('status').textContent()).to.equal('You logged this device out.');
    await third.goto('/');
    await third.getByLabel('Name').waitFor();
    expect(await third.getByText('Signed in as').count()).to.equal(0);
    // The account's other devices are left as they were.
    await watch(first);
  });

  it('is usable with a keyboard and a screen reader', async () => {
    const { third } = await overTheLimit('frank');
    expect(await third.locator('html').getAttribute('lang')).to.equal('en');
    expect(await third.getByRole('heading', { level: 1 }).count()).to.equal(1);
    expect(await third.locator('h1').count()).to.equal(1);

    // Every button has an accessible name in the accessibility tree.
    const buttons = (await third.locator('body').ariaSnapshot()).split('\n').filter((line) => /^\s*- button\b/.test(line));
    expect(buttons).to.have.length(3);
    for (const button of buttons) expect(button, 'button without a name').to.match(/- button "[^"]+"/);
    for (const name of ['Create my own account', "I'm the owner", 'Log out this device']) {
      expect(await third.getByRole('button', { name }).count(), name).to.equal(1);
    }

    // Tab reaches the choices in reading order, and Enter picks one.
    await third.keyboard.press('Tab');
    expect(await focusedText(third)).to.contain('Create my own account');
    await third.keyboard.press('Tab');
    expect(await focusedText(third)).to.contain("I'm the owner");
    await third.keyboard.press('Enter');
    await third.waitForURL(/\/verify$/);

    // The code field is labelled, focused on arrival, and Enter submits it.
    const input = third.getByRole('textbox', { name: 'Verification code' });
    expect(await third.locator(':focus').getAttribute('id')).to.equal(await input.getAttribute('id'));
    await third.keyboard.type(await codeFromOutbox(third, 'frank@example.com'));
    await third.keyboard.press('Enter');
    await third.waitForURL(/\/devices$/);
    expect(await third.getByRole('heading', { level: 1 }).count()).to.equal(1);
    const kickButtons = await third.getByRole('button', { name: /^Log out: .+/ }).all();
    expect(kickButtons).to.have.length(2);
  });
});

async function focusedText(page: Page): Promise<string> {
  return (await page.locator(':focus').textContent()) ?? '';
}
