import type { CodeMessage, CodeSender } from './sender.js';

/** What sharelock uses of a nodemailer transporter; typed here so apps need no nodemailer types. */
export interface MailTransporter {
  sendMail(mail: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
  close?(): void;
}

export interface SmtpSenderOptions {
  /**
   * An SMTP URL (`smtps://user:pass@smtp.example.com`) or nodemailer SMTP options, for which the
   * optional peer dependency `nodemailer` is loaded on first use; or a transporter you created.
   */
  transport: string | Record<string, unknown> | MailTransporter;
  /** The sender, e.g. `'Acme <no-reply@acme.example>'`. */
  from: string;
}

/**
 * Emails codes through nodemailer. The transporter is created on first use and closed by
 * `sharelock.close()` (unless you passed your own transporter).
 * @example senders: { email: smtpSender({ transport: process.env.SMTP_URL, from: 'Acme <no-reply@acme.example>' }) }
 */
export function smtpSender(options: SmtpSenderOptions): CodeSender {
  if (!options || typeof options.from !== 'string' || options.from.length === 0) {
    throw new TypeError('smtpSender: `from` is required, e.g. "Acme <no-reply@acme.example>".');
  }
  if (options.transport === undefined || options.transport === null || options.transport === '') {
    throw new TypeError('smtpSender: `transport` is required: an SMTP URL, nodemailer SMTP options or a transporter.');
  }
  const own = !isTransporter(options.transport);
  let transporter: Promise<MailTransporter> | undefined;
  const get = () => (transporter ??= isTransporter(options.transport) ? Promise.resolve(options.transport) : createTransport(options.transport));

  return {
    async send(message: CodeMessage) {
      if (message.channel !== 'email') throw new Error(`smtpSender sends email only; got a ${message.channel} message.`);
      await (await get()).sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
    },
    async close() {
      if (own && transporter) (await transporter).close?.();
    },
  };
}

function isTransporter(value: unknown): value is MailTransporter {
  return typeof value === 'object' && value !== null && typeof (value as MailTransporter).sendMail === 'function';
}

// An owner waits on the page while the code is sent: nodemailer's defaults (2 min to connect, 30 s
// for the greeting, 10 min of silence) would hold the click that long on a stalled server.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, dnsTimeout: 10_000 };

async function createTransport(transport: string | Record<string, unknown>): Promise<MailTransporter> {
  let nodemailer: typeof import('nodemailer');
  try {
    nodemailer = await import('nodemailer');
  } catch {
    throw new Error('smtpSender needs the package nodemailer for an SMTP URL or options: npm install nodemailer');
  }
  // Timeouts the app set (in its options or the URL's query) win.
  const options = { ...TIMEOUTS, ...(typeof transport === 'string' ? { url: transport } : transport) };
  return nodemailer.createTransport(options as Parameters<typeof nodemailer.createTransport>[0]) as MailTransporter;
}
