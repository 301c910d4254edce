/**
 * The example's accounts: alice and carol pay, bob is free, admin runs the site (may see the sharing
 * dashboard; not a paying account); any other name is a new paying account (free when it starts
 * with "free", on the family plan when it starts with "family"). There are no passwords: a demo.
 */
export interface User {
  id: string;
  name: string;
  email: string;
  phone?: string;
  plan: 'premium' | 'family' | 'free';
  /** Staff: may see the sharing dashboard. */
  admin?: boolean;
}

const KNOWN: Record<string, User> = {
  alice: { id: 'alice', name: 'alice', email: 'alice@example.com', plan: 'premium' },
  bob: { id: 'bob', name: 'bob', email: 'bob@example.com', plan: 'free' },
  admin: { id: 'admin', name: 'admin', email: 'admin@example.com', plan: 'free', admin: true },
  carol: { id: 'carol', name: 'carol', email: 'carol@example.com', phone: '+33 6 12 34 56 78', plan: 'premium' },
};

const NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

/** The user for a login name, or `undefined` when the name is not acceptable. */
export function findUser(input: unknown): User | undefined {
  if (typeof input !== 'string') return undefined;
  const name = input.trim().toLowerCase();
  if (!NAME.test(name)) return undefined;
  return KNOWN[name] ?? { id: name, name, email: `${name}@example.com`, plan: name.startsWith('free') ? 'free' : name.startsWith('family') ? 'family' : 'premium' };
}

/** Who may see the sharing dashboard (`guard.dashboard({ authorize })`): the demo's staff user only. */
export const isAdmin = (user: User | undefined): boolean => user?.admin === true;
