const MAX_LENGTH = 2048;

/**
 * A same-origin path to return to, or `undefined`. Rejects absolute and protocol-relative URLs
 * (`//evil.example`, `/\evil.example`), control characters and oversized values: never an open redirect.
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  try {
    // Resolving against a dummy origin must not change the origin.
    const url = new URL(value, 'http://sharelock.invalid');
    if (url.origin !== 'http://sharelock.invalid') return undefined;
    // Normalising can make a protocol-relative URL of a safe-looking input (`/a/..//evil.example`).
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('//') || path.startsWith('/\\') ? undefined : path;
  } catch {
    return undefined;
  }
}
