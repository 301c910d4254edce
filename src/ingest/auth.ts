import { createHash, timingSafeEqual } from 'node:crypto';

/** A write key as kept in the configuration: its SHA-256, so every comparison has one length. */
export function writeKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Whether an `Authorization` header carries one of the write keys the way Segment's HTTP API and
 * webhook destination send it: HTTP Basic, the key as username, an empty password. Every key is
 * compared, in constant time, whichever matches.
 */
export function isAuthorized(header: string | undefined, keys: readonly Buffer[]): boolean {
  if (!header || header.length > 2048) return false;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (!match) return false;
  const credentials = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon <= 0 || colon !== credentials.length - 1) return false;
  const given = writeKeyDigest(credentials.slice(0, colon));
  let found = false;
  for (const key of keys) found = timingSafeEqual(given, key) || found;
  return found;
}
