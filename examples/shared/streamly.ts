import { type Identity, type Options, type Store } from 'sharelock';
import { DecisionLog, DevClock } from './dev.js';
import type { User } from './users.js';

/** What every example lets its tests and scripts change. */
export interface StreamlyOptions {
  store?: Store;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<any, any>>;
}

/** The family plan: more screens, but no more than two of them phones. */
const FAMILY_LIMITS = { devices: 4, mobile: 2 };

/** Who pays, for `identify()`: the signed-in user's account, with the family plan's own limits. */
export function identityOf(user: User | undefined, sessionId?: string): Identity | undefined {
  if (!user) return undefined;
  return {
    id: user.id,
    email: user.email,
    phone: user.phone,
    paying: user.plan !== 'free',
    plan: user.plan,
    limits: user.plan === 'family' ? FAMILY_LIMITS : undefined,
    // So the app could end this very session later (e.g. from an admin page).
    ...(sessionId ? { metadata: { sessionId } } : {}),
  };
}

/**
 * The sharelock options every framework's example shares, with its development clock and decision
 * log. Each example adds what is its framework's own: `identify` and `onLogout`.
 */
export function streamlyOptions(options: StreamlyOptions) {
  const clock = new DevClock(options.sharelock?.now);
  const decisions = new DecisionLog();
  const shared = {
    secret: process.env.SHARELOCK_SECRET ?? 'streamly-example-secret-do-not-use-in-production',
    urls: { newAccount: '/signup', logout: '/logout', success: '/', suspended: '/suspended' },
    // So scripts on this machine can play users from anywhere: X-Forwarded-For and Cloudflare's
    // location headers are trusted from loopback only.
    trustProxy: 'loopback',
    geo: { headers: ['cloudflare'] },
    branding: { appName: 'Streamly' },
    ...(options.store ? { store: options.store } : {}),
    ...options.sharelock,
    // Real time unless /dev/clock moved it forward (development only).
    now: clock.now,
  } satisfies Partial<Options>;
  return { shared, clock, decisions };
}
