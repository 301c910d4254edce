import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium, type HeadlessChromium } from '../support/chromium.js';
import { freePort, startNode } from '../support/process.js';

const CHALLENGE_URL = /\/sharelock\/challenge\/[^/]+$/;

// The Express example's pages are covered in depth by challenge.test.ts; here every framework's
// example (started as `npm run start:<framework>` would) runs the whole owner flow once.
const EXAMPLES = ['express', 'koa', 'fastify', 'nest'] as const;

describe('The challenge flow in a real browser, on every framework', () => {
  let chromium: HeadlessChromium;
  let browser: Browser;

  before(async () => {
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  after(() => chromium?.close());

  for (const framework of EXAMPLES) {
    describe(`examples/${framework}`, () => {
      let app: Awaited<ReturnType<typeof startNode>>;
      let base: string;
      const contexts: BrowserContext[] = [];

      before(async () => {
        const port = await freePort();
        // localhost (not 127.0.0.1) so the device cookie is the non-Secure one browsers keep on http.
        base = `http://localhost:${port}`;
        const script = fileURLToPath(new URL(`../../examples/${framework}/server.js`, import.meta.url));
        app = await startNode(script, { PORT: String(port), NODE_ENV: 'development', SHARELOCK_DEMO: 'off' }, /listening on/);
      });
      after(async () => {
        await Promise.all(contexts.splice(0).map((context) => context.close()));
        await app?.stop();
      });

      // Console errors and warnings of every page: the test ends with none.
      const problems: string[] = [];

      async function newDevice(): Promise<Page> {
        const context = await browser.newContext({ baseURL: base });
        contexts.push(context);
        // Pages opened by a page of the context too (the outbox).
        context.on('console', (message: ConsoleMessage) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
        });
        context.on('weberror', (error) => problems.push(`pageerror: ${error.error().message}`));
        return context.newPage();
      }

      async function logInAndWatch(page: Page, name: string): Promise<void> {
        await page.goto('/login');
        await page.getByLabel('Name').fill(name);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.waitForURL(`${base}/`);
        await page.goto('/watch/1');
      }

      it('challenges a third device; the owner confirms by code, logs one out and watches on', async () => {
        const [first, second, third] = [await newDevice(), await newDevice(), await newDevice()];
        for (const page of [first, second]) {
          await logInAndWatch(page, 'alice');
          await page.getByText('Now playing').waitFor();
        }
        await logInAndWatch(third, 'alice');
        await third.waitForURL(CHALLENGE_URL);
        await third.getByRole('button', { name: "I'm the owner" }).click();
        await third.waitForURL(/\/verify$/);

        const outbox = await third.context().newPage();
        await outbox.goto('/dev/outbox');
        const code = (await outbox.getByRole('listitem').filter({ hasText: 'alice@example.com' }).first().locator('code').textContent()) ?? '';
        await outbox.close();
        expect(code).to.match(/^\d{6}$/);
        await third.getByLabel('Verification code').fill(code);
        await third.getByRole('button', { name: 'Confirm' }).click();
        await third.waitForURL(/\/devices$/);

        await third.getByRole('button', { name: /^Log out: / }).first().click();
        await third.getByText('You are within your plan. You can continue.').waitFor();
        await third.getByRole('button', { name: 'Continue' }).click();
        await third.waitForURL(`${base}/watch/1`);
        await third.getByText('Now playing').waitFor();

        // Exactly one of the first two devices was logged out: it lands on the logout page.
        const landed: string[] = [];
        for (const page of [first, second]) {
          await page.goto('/watch/1');
          landed.push(new URL(page.url()).pathname);
        }
        expect(landed.sort()).to.deep.equal(['/logout', '/watch/1']);
        expect(problems, 'console errors and warnings').to.deep.equal([]);
      });
    });
  }
});
