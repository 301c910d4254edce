import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { serialize } from 'cookie';
import { LRUCache } from 'lru-cache';
import { readCookie } from '../http/cookie.js';
import type { Config } from '../options.js';

const ID_BYTES = 16;
const MAC_BYTES = 16;
const VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const LOCAL_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

export interface DeviceCookie {
  deviceId: string;
  /** The signed value the browser sends from now on: the one it sent, or the one `setCookie` gives it. */
  value: string;
  /** Set when the cookie must be (re)written: a new device, or a cookie signed by an old key. */
  setCookie?: string;
}

interface Verified {
  id: string;
  keyIndex: number;
  value: string;
}

/**
 * The device identity: a random 128-bit id in an HMAC-signed cookie. No personal data in it.
 * Keys rotate: the first secret signs, every secret verifies, and an old signature is renewed.
 */
export class DeviceIdentity {
  readonly #keys: Buffer[];
  readonly #cookie: Config['cookie'];
  /** The names the cookie is read under, `__Host-` first. */
  readonly #names: readonly string[];
  // Cookie values already verified: a known device costs a map lookup instead of an HMAC.
  readonly #verified = new LRUCache<string, Verified>({ max: 10_000 });

  constructor(config: Pick<Config, 'secrets' | 'cookie'>) {
    // A key of its own per purpose, so a device MAC can never pass for a CSRF token.
    this.#keys = config.secrets.map((secret) => createHmac('sha256', secret).update('sharelock/device-cookie/v1').digest());
    this.#cookie = config.cookie;
    this.#names = [`__Host-${config.cookie.name}`, config.cookie.name];
  }

  /** Read the device from the request's cookies, or mint a new one. Never throws on bad input. */
  resolve(cookieHeader: string | undefined, secure: boolean): DeviceCookie {
    const found = this.#verify(cookieHeader);
    if (found && found.keyIndex === 0) return { deviceId: found.id, value: found.value };
    const deviceId = found?.id ?? randomBytes(ID_BYTES).toString('base64url');
    const value = this.#signed(deviceId);
    return { deviceId, value, setCookie: this.#setCookie(value, secure) };
  }

  /**
   * The device cookie's value as sent, unverified: that of the first of its names present (the name
   * `#verify` tries first). Only a key to what a verified value already stored: never trust it as is.
   */
  sent(cookieHeader: string | undefined): string | undefined {
    if (!cookieHeader) return undefined;
    for (const name of this.#names) {
      const value = readCookie(cookieHeader, name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** `Set-Cookie` value for a device: HttpOnly, SameSite=Lax, long-lived; Secure with `__Host-` when `secure`. */
  serialize(deviceId: string, secure: boolean): string {
    return this.#setCookie(this.#signed(deviceId), secure);
  }

  #signed(deviceId: string): string {
    return `${deviceId}.${this.#mac(this.#keys[0]!, deviceId)}`;
  }

  #setCookie(value: string, secure: boolean): string {
    return serialize(this.cookieName(secure), value, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: Math.floor(this.#cookie.maxAgeMs / 1000),
    });
  }

  /** The verified device id in a `Cookie` header, or `undefined`. Never mints one. */
  read(cookieHeader: string | undefined): string | undefined {
    return this.#verify(cookieHeader)?.id;
  }

  cookieName(secure: boolean): string {
    return secure ? `__Host-${this.#cookie.name}` : this.#cookie.name;
  }

  /** Whether to mark the cookie `Secure`: always, except plain http to localhost (or as configured). */
  isSecure(protocolIsHttps: boolean, host: string | undefined): boolean {
    if (this.#cookie.secure !== 'auto') return this.#cookie.secure;
    return protocolIsHttps || !LOCAL_HOST.test(host ?? '');
  }

  #verify(header: string | undefined): Verified | undefined {
    if (!header) return undefined;
    for (const name of this.#names) {
      const value = readCookie(header, name);
      if (value === undefined) continue;
      const known = this.#verified.get(value);
      if (known) return known;
      const match = VALUE.exec(value);
      if (!match) continue;
      const [, id, mac] = match as unknown as [string, string, string];
      const given = Buffer.from(mac, 'base64url');
      for (let i = 0; i < this.#keys.length; i++) {
        const expected = Buffer.from(this.#mac(this.#keys[i]!, id), 'base64url');
        if (given.length === expected.length && timingSafeEqual(given, expected)) {
          const verified = { id, keyIndex: i, value };
          this.#verified.set(value, verified);
          return verified;
        }
      }
    }
    return undefined;
  }

  #mac(key: Buffer, id: string): string {
    return createHmac('sha256', key).update(id).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
