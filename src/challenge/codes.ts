import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** A uniformly random numeric code, e.g. `048213`. */
export function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/**
 * One-time codes are stored as an HMAC bound to their challenge, so a leaked store reveals no
 * code and a code cannot be replayed on another challenge.
 */
export class CodeHasher {
  readonly #key: Buffer;

  constructor(secret: Buffer) {
    this.#key = createHmac('sha256', secret).update('sharelock/code/v1').digest();
  }

  hash(challengeId: string, code: string): string {
    return createHmac('sha256', this.#key).update(`${challengeId}\0${code}`).digest('base64url');
  }

  matches(challengeId: string, code: string, storedHash: string): boolean {
    const given = Buffer.from(this.hash(challengeId, code), 'base64url');
    const stored = Buffer.from(storedHash, 'base64url');
    return given.length === stored.length && timingSafeEqual(given, stored);
  }
}

/** Digits only, forgiving of spaces and dashes a user may type or paste, and of Arabic-Indic or Persian digits (an Arabic keyboard's). */
export function normaliseCode(input: unknown, length: number): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const digits = input.replace(/[\s-]/g, '').replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String((d.charCodeAt(0) - 0x0660) % 0x90));
  return new RegExp(`^\\d{${length}}$`).test(digits) ? digits : undefined;
}
