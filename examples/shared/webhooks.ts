import { verifyWebhook, type DeadLetter, type WebhookHeaders, type WebhookMessage, type WebhookOptions } from 'sharelock';
import { escape } from './views.js';

/** Development only: the secret of the example's own webhook receiver (32 bytes, Standard Webhooks form). */
export const DEV_WEBHOOK_SECRET = 'whsec_c3RyZWFtbHktZGV2LXdlYmhvb2stc2VjcmV0LTAwMDE=';

/** One webhook the development receiver verified. */
export interface ReceivedWebhook {
  receivedAt: string;
  message: WebhookMessage;
  /** How many times this event id arrived (a retry after a lost answer arrives twice: deduplicate by id). */
  copies: number;
}

/**
 * What a real receiver does, in the example: verify each delivery's signature with
 * `verifyWebhook()`, deduplicate by event id, keep the latest for `GET /dev/webhooks`.
 */
export class DevWebhookReceiver {
  readonly #byId = new Map<string, ReceivedWebhook>();
  constructor(readonly size = 100) {}

  /** The `webhooks` option sending every event to `url` (the example's own `/dev/webhooks/receive`). */
  options(url: string): WebhookOptions {
    return { endpoints: [{ url, secret: DEV_WEBHOOK_SECRET }] };
  }

  /** Verify one delivery; an error message when it does not verify (answer 400, sharelock retries). */
  receive(body: unknown, headers: WebhookHeaders, now = Date.now()): { ok: true; message: WebhookMessage } | { ok: false; error: string } {
    if (typeof body !== 'string') return { ok: false, error: 'Send the raw JSON body (Content-Type: application/json).' };
    let message: WebhookMessage;
    try {
      message = verifyWebhook(body, headers, DEV_WEBHOOK_SECRET);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const seen = this.#byId.get(message.id);
    if (seen) seen.copies++;
    else this.#byId.set(message.id, { receivedAt: new Date(now).toISOString(), message, copies: 1 });
    if (this.#byId.size > this.size) this.#byId.delete(this.#byId.keys().next().value!);
    return { ok: true, message };
  }

  /** Newest first. */
  list(): ReceivedWebhook[] {
    return [...this.#byId.values()].reverse();
  }
}

/** The body of `GET /dev/webhooks`: what arrived, verified, and what sharelock gave up on. */
export function webhooksPage(received: readonly ReceivedWebhook[], deadLetters: readonly DeadLetter[]): string {
  const rows = received.map(
    ({ receivedAt, message, copies }) =>
      `<li><strong>${escape(message.type)}</strong> <code>${escape(message.id)}</code> at ${escape(receivedAt)}${copies > 1 ? ` (received ${copies} times)` : ''} <span title="signature verified">✔ verified</span>
<pre>${escape(JSON.stringify(message.data, null, 2))}</pre></li>`,
  );
  const dead = deadLetters.map(
    (d) => `<li><strong>${escape(d.type)}</strong> <code>${escape(d.eventId)}</code> to ${escape(d.url)}: ${d.attempts} attempts, last ${escape(d.lastError ?? 'error')}
<form method="post" action="/dev/webhooks/retry" style="display:inline"><input type="hidden" name="id" value="${escape(d.id)}"><button>Retry</button></form></li>`,
  );
  return `<p>Events sharelock sent as signed webhooks to this app's own receiver, <code>POST /dev/webhooks/receive</code> (development only); each signature was checked with <code>verifyWebhook()</code>.</p>
<ul>${rows.join('') || '<li>None yet: open <a href="/watch/1">an episode</a>.</li>'}</ul>
<h2>Dead letters</h2><ul>${dead.join('') || '<li>None.</li>'}</ul>`;
}
