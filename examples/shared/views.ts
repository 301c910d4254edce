import type { User } from './users.js';

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The example's pages: deliberately plain, so sharelock's own pages stand out. */
export function layout(title: string, user: User | undefined, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escape(title)} · Streamly</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:0 auto;padding:16px}nav{display:flex;gap:16px;align-items:center;border-bottom:1px solid #ddd;padding-bottom:8px}nav .me{margin-left:auto}</style></head>
<body><nav><a href="/"><strong>Streamly</strong></a><a href="/watch/1">Watch</a><a href="/dev/outbox">Outbox</a>
${user?.admin ? '<a href="/admin/sharing">Sharing dashboard</a>' : ''}<span class="me">${user ? `Signed in as <strong>${escape(user.name)}</strong> (${user.plan}) · <a href="/logout">Log out</a>` : '<a href="/login">Log in</a>'}</span></nav>
<h1>${escape(title)}</h1>${body}</body></html>`;
}

export const loginForm = `<form method="post" action="/login"><label>Name <input name="user" autocomplete="username" required></label> <button>Log in</button></form>
<p>Try <code>alice</code> or <code>carol</code> (paying), <code>bob</code> (free), and <code>admin</code> for the sharing dashboard at <a href="/admin/sharing">/admin/sharing</a>. Any other name is a new paying account; names starting with <code>free</code> are free, with <code>family</code> on the family plan (4 devices, at most 2 phones).</p>`;

export { escape };

/** Why sharelock logged this device out (`?reason=` on the logout URL), in the app's own words. */
const LOGGED_OUT_BECAUSE: Record<string, string> = {
  owner: 'The account owner signed this device out.',
  admin: 'Streamly signed this device out of the account.',
  policy: 'This device was signed out to keep the account safe.',
  self: 'You logged this device out.',
};

/** The logout page: why, when sharelock said, then the login form. */
export function loggedOutPage(reason: unknown): string {
  const why = typeof reason === 'string' && Object.hasOwn(LOGGED_OUT_BECAUSE, reason) ? `<p role="status">${LOGGED_OUT_BECAUSE[reason]}</p>` : '';
  return layout('You are logged out', undefined, `${why}${loginForm}`);
}
