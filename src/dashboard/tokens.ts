import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a link to an account page works. */
export const ACCOUNT_TOKEN_TTL_MS = 30 * 60 * 1000;

/**
 * The dashboard's two kinds of token, both keyed by the app's secrets (rotation: the first signs,
 * every one verifies):
 * - CSRF: an HMAC of the dashboard's own random cookie (double submit; the cookie is SameSite=Strict);
 * - account: the account id sealed with AES-256-GCM and an expiry, so a URL a proxy logs names
 *   nobody, and stops working after `ACCOUNT_TOKEN_TTL_MS`. Stateless, so it works on every server.
 */
export class DashboardTokens {
  readonly #csrfKeys: Buffer[];
  readonly #sealKeys: Buffer[];

  constructor(secrets: readonly Buffer[]) {
    this.#csrfKeys = secrets.map((secret) => createHmac('sha256', secret).update('sharelock/dashboard/csrf/v1').digest());
    this.#sealKeys = secrets.map((secret) => createHmac('sha256', secret).update('sharelock/dashboard/account/v1').digest());
  }

  /** A new value for the dashboard's CSRF cookie. */
  static cookieValue(): string {
    return randomBytes(18).toString('base64url');
  }

  csrf(cookie: string): string {
    return createHmac('sha256', this.#csrfKeys[0]!).update(cookie).digest('base64url');
  }

  verifyCsrf(cookie: string | undefined, token: unknown): boolean {
    if (!cookie || typeof token !== 'string' || token.length > 100) return false;
    const given = Buffer.from(token, 'base64url');
    return this.#csrfKeys.some((key) => {
      const expected = createHmac('sha256', key).update(cookie).digest();
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  seal(accountId: string, now: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKeys[0]!, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ a: accountId, e: now + ACCOUNT_TOKEN_TTL_MS }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The account a token names, or `undefined` when it is forged, damaged or expired. */
  open(token: unknown, now: number): string | undefined {
    if (typeof token !== 'string' || token.length > 2000) return undefined;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length < 29) return undefined;
    for (const key of this.#sealKeys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const { a, e } = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as { a: unknown; e: unknown };
        return typeof a === 'string' && typeof e === 'number' && e > now ? a : undefined;
      } catch {
        // Another key, or not ours.
      }
    }
    return undefined;
  }
}
