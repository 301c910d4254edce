import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { DEFAULT_STRINGS, Outbox, smtpSender, type CodeMessage, type CodeSender, type Options } from '../../src/index.js';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { freePort } from '../support/process.js';
import { Browser, csrfOf, listen } from './support.js';

const HOUR = 3_600_000;

/** A real SMTP server on `port`; `reject` makes it refuse every recipient (550) until cleared. */
async function startSmtp(port: number, options: { reject?: boolean } = {}) {
  const received: ParsedMail[] = [];
  const state = { reject: options.reject ?? false, refused: 0 };
  const settings: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, done) {
      if (!state.reject) return done();
      state.refused++;
      done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
    },
    onData(stream, _session, done) {
      simpleParser(stream).then((mail) => (received.push(mail), done()), done);
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, state, port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** sam's plan allows 2 devices, both in; a third browser of his is sent to a challenge. */
async function challengedThird(overrides: Partial<Options>) {
  const errors: unknown[][] = [];
  const app = await expressScenarioApp(express, { logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) }, ...overrides });
  const base = await listen(app.server);
  for (let i = 0; i < 2; i++) expect((await new Browser(base, 'sam').get('/watch/1')).status).to.equal(200);
  const third = new Browser(base, 'sam');
  const sent = await third.get('/watch/1');
  expect(sent.status).to.equal(303);
  const url = sent.location!;
  const csrf = csrfOf((await third.get(url)).text);
  const deviceId = app.guard.deviceOf({ headers: { cookie: third.cookie } })!;
  /** What sam's budget of codes sent has spent this hour: the account's and this device's counters. */
  const codesSpent = async () => {
    const store = app.guard.config.store;
    const now = app.clock.now();
    return [(await store.countHit('sam', 'codesSent', HOUR, now, 0)).count, (await store.countHit('sam', `codesSent:${deviceId}`, HOUR, now, 0)).count];
  };
  return { app, third, url, csrf, codesSpent, errors };
}

describe('faults: SMTP down while the owner asks for a code (Express, smtpSender over real SMTP)', function () {
  this.timeout(30_000);
  let app: ScenarioApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  for (const outage of ['nothing listens on the port', 'the server refuses the recipient (550)'] as const) {
    it(`says the code could not be sent, spends no code of the budget, and sends one once SMTP is back: ${outage}`, async () => {
      const port = await freePort();
      const smtp = outage === 'nothing listens on the port' ? undefined : await startSmtp(port, { reject: true });
      const sender = smtpSender({ transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 }, from: 'Streamly <no-reply@streamly.example>' });
      const challenge = await challengedThird({ senders: { email: sender } });
      app = challenge.app;
      const { third, url, csrf, codesSpent, errors } = challenge;
      let up: Awaited<ReturnType<typeof startSmtp>> | undefined = smtp;
      try {
        // "I'm the owner", then "Send a new code" more times than the budget allows codes (4 per device, 8 per account).
        const clicks = [await third.post(`${url}/owner`, { _csrf: csrf })];
        for (let i = 0; i < 9; i++) clicks.push(await third.post(`${url}/resend`, { _csrf: csrf }));
        for (const click of clicks) expect([click.status, click.location]).to.deep.equal([303, `${url}/verify?notice=send_failed`]);
        const page = await third.get(`${url}/verify?notice=send_failed`);
        expect(page.status).to.equal(200);
        expect(page.text).to.include(DEFAULT_STRINGS.sendFailed).and.include(`${url}/resend`);
        expect(await codesSpent(), 'codes sent: account, device').to.deep.equal([0, 0]);
        expect(errors.filter(([m]) => String(m).startsWith('Could not send a verification code'))).to.have.length(10);
        if (smtp) expect(smtp.state.refused).to.equal(10);

        // SMTP is back: the next click sends a code at once (no resend wait, no lockout), and it works.
        if (smtp) smtp.state.reject = false;
        else up = await startSmtp(port);
        const resend = await third.post(`${url}/resend`, { _csrf: csrf });
        expect(resend.location).to.equal(`${url}/verify?notice=resent`);
        expect((await third.get(resend.location!)).text).to.include(DEFAULT_STRINGS.resent);
        expect(up!.received).to.have.length(1);
        expect(up!.received[0]!.to).to.satisfy((to: { text: string }) => to.text === 'sam@example.com');
        const code = /\b(\d{6})\b/.exec(up!.received[0]!.text ?? '')![1]!;
        expect(await codesSpent()).to.deep.equal([1, 1]);
        const verified = await third.post(`${url}/verify`, { _csrf: csrf, code });
        expect(verified.location).to.equal(`${url}/devices`);
        expect((await third.get(`${url}/devices`)).status).to.equal(200);
      } finally {
        await sender.close?.();
        await up?.close();
      }
    });
  }

  // FAILS TODAY (see the report): a failed channel refunds the whole send, though another channel delivered.
  it('sends the owner no more emails than the resend interval and the codes-sent budget allow when the SMS channel fails and email works', async () => {
    const outbox = new Outbox();
    const sms: CodeSender = { send: async (_message: CodeMessage) => Promise.reject(new Error('SMS provider: 503 Service Unavailable')) };
    const challenge = await challengedThird({
      identify: (req: express.Request) => {
        const id = req.get('x-account');
        return id ? { id, email: `${id}@example.com`, phone: '+33 6 12 34 56 78' } : null;
      },
      senders: { email: outbox, sms },
    });
    app = challenge.app;
    const { third, url, csrf } = challenge;
    await third.post(`${url}/owner`, { _csrf: csrf });
    for (let i = 0; i < 10; i++) await third.post(`${url}/resend`, { _csrf: csrf });
    const atOnce = outbox.messages.length;
    for (let i = 0; i < 20; i++) {
      app.clock.advance(31_000); // past challenge.resendIntervalMs each time: only the budget limits
      await third.post(`${url}/resend`, { _csrf: csrf });
    }
    const emails = outbox.messages.filter((m) => m.to === 'sam@example.com').length;
    console.log(`      emails to the owner: ${atOnce} after 11 clicks in the same second, ${emails} after 20 more over 11 minutes`);
    expect(atOnce, 'emails after 11 clicks in the same second (challenge.resendIntervalMs: 30 s)').to.equal(1);
    expect(emails, 'emails the owner received within 11 minutes (budget: 4 codes per device per hour)').to.be.at.most(4);
  });
});
