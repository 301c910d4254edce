import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { EventType, WebhookMessage } from './types.js';

export { WebhookVerificationError };

const PREFIX = 'whsec_';
/** Standard Webhooks: a signing secret has 24 to 64 bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/**
 * The key bytes of a webhook secret: `whsec_` followed by base64 (the Standard Webhooks form, as
 * Svix and most providers show it), or any other string used as is (its UTF-8 bytes). Throws a
 * `RangeError` saying what is wrong.
 */
function secretKey(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length === 0) throw new RangeError('A webhook secret is a non-empty string.');
  let key: Buffer;
  if (secret.startsWith(PREFIX)) {
    const encoded = secret.slice(PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new RangeError('After `whsec_` comes base64 (e.g. `whsec_` + `openssl rand -base64 32`).');
    key = Buffer.from(encoded, 'base64');
  } else {
    key = Buffer.from(secret, 'utf8');
  }
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new RangeError(`A webhook secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes; this one has ${key.length}. Generate one with \`echo whsec_$(openssl rand -base64 32)\`.`);
  }
  return new Uint8Array(key);
}

/** Signs one endpoint's deliveries (`webhook-signature: v1,<base64 HMAC-SHA256>`). */
export function webhookSigner(secret: string): Webhook {
  return new Webhook(secretKey(secret), { format: 'raw' });
}

/** Request headers as Node gives them (`IncomingHttpHeaders`), a fetch `Headers`, or a plain record. */
export type WebhookHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Check a webhook from sharelock and return its message. `payload` is the raw request body,
 * exactly as received (parse it only after this); `secret` is the endpoint's secret as given to
 * sharelock, or a list of them while rotating. Throws `WebhookVerificationError` when the signature does not match, a header is
 * missing, or the timestamp is more than 5 minutes away from this machine's clock (replays).
 * @example
 * app.post('/webhooks/sharelock', express.text({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook(req.body, req.headers, process.env.SHARELOCK_WEBHOOK_SECRET!);
 *   if (event.type === 'device.detached' && event.data.logout) revokeSession(event.data.metadata?.sessionId);
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook<T extends EventType = EventType>(payload: string | Uint8Array, headers: WebhookHeaders, secret: string | readonly string[]): WebhookMessage<T> {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0) throw new TypeError('verifyWebhook(): pass the endpoint\'s secret.');
  const signers = secrets.map((s) => {
    try {
      return webhookSigner(s);
    } catch (error) {
      throw new TypeError(`verifyWebhook(): invalid secret. ${(error as Error).message}`);
    }
  });
  const picked = pick(headers);
  let message: unknown;
  // While rotating, a receiver may hold the old and the new secret: either one verifies.
  for (const [i, signer] of signers.entries()) {
    try {
      message = signer.verify(payload, picked);
      break;
    } catch (error) {
      if (i === signers.length - 1) throw error;
    }
  }
  if (message === null || typeof message !== 'object' || typeof (message as { type?: unknown }).type !== 'string') {
    throw new WebhookVerificationError('The payload is not a sharelock webhook message');
  }
  return message as WebhookMessage<T>;
}

function pick(headers: WebhookHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof (headers as { get?: unknown }).get === 'function') {
    for (const name of HEADERS) {
      const value = (headers as { get(name: string): string | null }).get(name);
      if (value !== null) out[name] = value;
    }
    return out;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const [name, value] of Object.entries(record)) {
    const lower = name.toLowerCase();
    if (!(HEADERS as readonly string[]).includes(lower) || value === undefined) continue;
    // A header sent twice is ambiguous: take the first, so a second one cannot smuggle a value.
    out[lower] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  return out;
}
