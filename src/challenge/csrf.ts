import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the challenge forms: an HMAC of the challenge and the device it belongs to.
 * Stateless, bound to one device, useless on any other challenge. SameSite=Lax cookies are the
 * second layer.
 */
export class CsrfTokens {
  readonly #keys: Buffer[];

  constructor(secrets: readonly Buffer[]) {
    this.#keys = secrets.map((secret) => createHmac('sha256', secret).update('sharelock/csrf/v1').digest());
  }

  issue(challengeId: string, deviceId: string): string {
    return this.#token(this.#keys[0]!, challengeId, deviceId);
  }

  verify(challengeId: string, deviceId: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 100) return false;
    const given = Buffer.from(token, 'base64url');
    return this.#keys.some((key) => {
      const expected = Buffer.from(this.#token(key, challengeId, deviceId), 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  #token(key: Buffer, challengeId: string, deviceId: string): string {
    return createHmac('sha256', key).update(`${challengeId}\0${deviceId}`).digest('base64url');
  }
}
