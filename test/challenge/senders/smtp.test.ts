import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { smtpSender, type CodeMessage } from '../../../src/index.js';

/** A real SMTP server on a free port; it records what it receives (the edge of the world). */
function startSmtp(): Promise<{ port: number; received: ParsedMail[]; envelopes: string[][]; close: () => Promise<void> }> {
  const received: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      envelopes.push(session.envelope.rcptTo.map((r) => r.address));
      simpleParser(stream).then((mail) => (received.push(mail), done()), done);
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.server.address() as AddressInfo).port, received, envelopes, close: () => new Promise((ok) => server.close(() => ok())) });
    });
  });
}

const message: CodeMessage = {
  channel: 'email', to: 'alice@example.com', code: '482913', accountId: 'alice', challengeId: 'c1', expiresAt: 0, appName: 'Streamly',
  subject: 'Your verification code for Streamly', text: 'Your verification code for Streamly is 482913. It expires in 10 minutes.',
};

describe('SMTP code sender', () => {
  it('delivers the code to the account email through a real SMTP server', async () => {
    const smtp = await startSmtp();
    const sender = smtpSender({ transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true }, from: 'Streamly <no-reply@streamly.example>' });
    try {
      await sender.send(message);
      expect(smtp.envelopes).to.deep.equal([['alice@example.com']]);
      const [mail] = smtp.received;
      expect(mail!.subject).to.equal('Your verification code for Streamly');
      expect(mail!.from!.value).to.deep.equal([{ address: 'no-reply@streamly.example', name: 'Streamly' }]);
      expect(mail!.text).to.include('482913');
    } finally {
      await sender.close?.();
      await smtp.close();
    }
  });

  it('reports a delivery failure to the caller', async () => {
    const smtp = await startSmtp();
    await smtp.close();
    const sender = smtpSender({ transport: `smtp://127.0.0.1:${smtp.port}`, from: 'no-reply@streamly.example' });
    let failed = false;
    await sender.send(message).catch(() => (failed = true));
    await sender.close?.();
    expect(failed).to.equal(true);
  });

  it('rejects missing options clearly', () => {
    expect(() => smtpSender({ transport: 'smtp://localhost', from: '' })).to.throw(/`from` is required/);
  });
});
