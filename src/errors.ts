/** Every error sharelock throws carries a stable code, documented in the README. */
export type ErrorCode =
  | 'SHARELOCK_E_OPTION_UNKNOWN'
  | 'SHARELOCK_E_OPTION_INVALID'
  | 'SHARELOCK_E_SECRET_MISSING'
  | 'SHARELOCK_E_SECRET_SHORT'
  | 'SHARELOCK_E_IDENTIFY_MISSING'
  | 'SHARELOCK_E_SENDER_MISSING'
  | 'SHARELOCK_E_IDENTITY_INVALID'
  | 'SHARELOCK_E_STORE_TIMEOUT'
  | 'SHARELOCK_E_CLOSED'
  | 'SHARELOCK_E_CONVERSION_INVALID'
  | 'SHARELOCK_E_INSIGHTS_RANGE'
  | 'SHARELOCK_E_ADMIN_UNSUPPORTED'
  | 'SHARELOCK_E_ADMIN_INVALID'
  | 'SHARELOCK_E_DASHBOARD_AUTHORIZE';

export class SharelockError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'SharelockError';
    this.code = code;
  }
}

/** A short, safe rendering of a user-supplied value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    // BigInts, cycles; and String() itself throws on objects without a prototype.
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
