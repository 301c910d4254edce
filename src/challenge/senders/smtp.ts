import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { CodeMessage, CodeSender } from './sender.js';

export interface SmtpSenderOptions {
  /** An SMTP URL (`smtps://user:pass@smtp.example.com`), nodemailer SMTP options, or a nodemailer transporter. */
  transport: string | SMTPTransport.Options | Transporter;
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
  let transporter: Promise<Transporter> | undefined;
  const get = () =>
    (transporter ??= isTransporter(options.transport)
      ? Promise.resolve(options.transport)
      : import('nodemailer').then((nodemailer) => nodemailer.createTransport(options.transport as SMTPTransport.Options)));

  return {
    async send(message: CodeMessage) {
      if (message.channel !== 'email') throw new Error(`smtpSender sends email only; got a ${message.channel} message.`);
      await (await get()).sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
    },
    async close() {
      if (own && transporter) (await transporter).close();
    },
  };
}

function isTransporter(value: unknown): value is Transporter {
  return typeof value === 'object' && value !== null && typeof (value as Transporter).sendMail === 'function';
}
