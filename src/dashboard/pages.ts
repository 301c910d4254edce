import { html, type SafeHtml } from '../http/html.js';
import type { DeviceRecord, Reason } from '../model.js';
import { bars, columns, timeline } from './charts.js';
import { funnelSteps, type AccountDetail, type AccountRow, type Overview } from './data.js';

/** What every dashboard page needs besides its data. */
export interface DashboardContext {
  appName: string;
  /** The dashboard's path, e.g. `/admin/sharing`. */
  base: string;
  stylesheet: string;
  csrf: string;
  /** An opaque, short-lived token for an account's page (no account id in any URL). */
  tokenOf: (accountId: string) => string;
}

/** The periods the overview offers, in days. */
export const PERIODS: readonly number[] = [7, 30, 90, 365];

export type ActionName = 'detach' | 'exclude' | 'challenge' | 'suspend' | 'unsuspend';

/** Each action: its button, what the confirmation says, and whether it acts on a device. */
export const ACTIONS: Record<ActionName, { label: string; confirm: string; device: boolean | 'optional'; danger: boolean }> = {
  detach: { label: 'Detach', confirm: 'Detach this device? It is logged out at its next request and no longer counts against the limit.', device: true, danger: true },
  challenge: { label: 'Challenge', confirm: 'Challenge the next request? The person using it must prove they are the owner, log out, or create their own account.', device: 'optional', danger: false },
  exclude: { label: 'Exclude', confirm: 'Exclude this device? It is never counted or challenged again (for staff or test devices).', device: true, danger: false },
  suspend: { label: 'Suspend account', confirm: 'Suspend this account? Every device is sent to the suspended page until you unsuspend it.', device: false, danger: true },
  unsuspend: { label: 'Unsuspend account', confirm: 'Unsuspend this account? Its devices can use it again at once.', device: false, danger: false },
};

const CHECK_NAMES: Record<string, string> = {
  device_count: 'Too many devices',
  concurrent_sessions: 'In use at once from different homes',
  impossible_travel: 'Impossible travel',
  people_count: 'More people than the plan',
  networks_per_hour: 'Many networks within an hour',
  new_devices_per_day: 'Many new devices within a day',
  cloned_device: 'A copied device cookie',
};

export function checkName(check: string): string {
  if (CHECK_NAMES[check]) return CHECK_NAMES[check];
  const perType = /^(group_)?(\w+)_device_count$/.exec(check);
  if (perType) return `${perType[1] ? 'Group: too' : 'Too'} many ${perType[2]} devices`;
  if (check === 'group_device_count') return 'Group: too many devices';
  return check.replace(/_/g, ' ');
}

/** A reason in words: what was observed against what is allowed. */
export function reasonInWords(reason: Reason): string {
  const base = reason.message ?? `Observed ${reason.observed}; the threshold is ${reason.threshold}.`;
  return reason.message ? `${base} (observed ${reason.observed}, threshold ${reason.threshold})` : base;
}

const dateTime = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const ago = (now: number, ms: number) => {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
};
const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((1000 * part) / whole) / 10} %` : '–');
const money = (amount: number, currency: string) => `${amount.toFixed(2)} ${currency}`;

function layout(ctx: DashboardContext, title: string, body: SafeHtml, status?: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="same-origin">
<title>${title} · Sharing · ${ctx.appName}</title>
<link rel="stylesheet" href="${ctx.stylesheet}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><h1>${ctx.appName} · Account sharing</h1><nav aria-label="Dashboard"><a href="${ctx.base}">Overview</a></nav></header>
<main id="main" tabindex="-1">
${status ?? ''}
${body}
</main>
</body>
</html>
`.value;
}

/** A page that only says something (refused, not found, failed). */
export function messagePage(ctx: Pick<DashboardContext, 'appName' | 'base' | 'stylesheet'>, title: string, text: string): string {
  return layout({ ...ctx, csrf: '', tokenOf: () => '' }, title, html`<section><h2>${title}</h2><p>${text}</p></section>`);
}

function scoreBadge(score: number): SafeHtml {
  return html`<span class="score ${score >= 60 ? 'high' : score >= 30 ? 'mid' : ''}">${score}</span>`;
}

function openForm(ctx: DashboardContext): SafeHtml {
  return html`<form method="post" action="${ctx.base}/account" class="row"><input type="hidden" name="_csrf" value="${ctx.csrf}"><label for="account">Account id</label><input type="text" id="account" name="account" required maxlength="256" autocomplete="off" spellcheck="false"><button type="submit">Open</button></form>`;
}

function accountsTable(ctx: DashboardContext, rows: AccountRow[], now: number, source: Overview['source']): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No paying account has been judged yet.</p>`;
  const caption = source === 'admin' ? 'Highest score first (0–100): extra people, devices over or near the limit, and other signals that fired, combined.' : 'Highest score first (0–100): each signal that fired, each challenge and each extra person adds to it.';
  return html`<p class="lead">${caption}</p><div class="scroll"><table>
<thead><tr><th scope="col">Account</th><th scope="col" class="num">Score</th><th scope="col" class="num">People</th><th scope="col" class="num">Devices</th><th scope="col">Signals</th><th scope="col" class="hide-s">Status</th><th scope="col" class="hide-s">Last seen</th><th scope="col" class="hide-s">Last challenge</th></tr></thead>
<tbody>${rows.map(
    (r) => html`<tr><th scope="row"><a href="${ctx.base}/account?t=${ctx.tokenOf(r.accountId)}">${r.accountId}</a></th><td class="num">${scoreBadge(r.score)}</td><td class="num">${r.people}</td><td class="num">${r.devices}</td><td>${r.signals.length ? r.signals.map((s) => html`<span class="tag">${checkName(s)}</span>`) : html`<span class="muted">none</span>`}</td><td class="hide-s">${r.status === 'suspended' ? html`<span class="tag suspended">suspended</span>` : 'active'}</td><td class="hide-s">${ago(now, r.lastSeen)}</td><td class="hide-s">${r.lastChallenge ? ago(now, r.lastChallenge) : '–'}</td></tr>`,
  )}</tbody></table></div>`;
}

export function overviewPage(ctx: DashboardContext, o: Overview): string {
  const { totals, days } = o.insights;
  const { stats } = o;
  const currencies = Object.keys(totals.revenue).sort();
  const peopleItems = o.people.map((value, n) => ({ label: n === 4 ? '5 or more' : `${n + 1} ${n === 0 ? 'person' : 'people'}`, value }));
  const steps = funnelSteps(totals.challenges);
  const verdicts = (['allow', 'challenge', 'logout', 'suspended', 'deny'] as const).map((kind) => ({ label: kind, value: stats[kind] }));
  const judged = stats.decisions;
  const likelyShared = o.accounts.filter((a) => a.score >= 30).length;
  const body = html`<nav class="row periods" aria-label="Period">Period: ${PERIODS.map((d) => (d === o.days ? html`<strong aria-current="page">${d} days</strong>` : html`<a href="${ctx.base}?days=${d}">${d} days</a>`))}</nav>
<div class="kpis">
<div class="kpi"><b>${likelyShared}</b><span>${likelyShared === 1 ? 'account' : 'accounts'} likely shared (score ≥ 30)</span></div>
<div class="kpi"><b>${totals.challenges.created}</b><span>${totals.challenges.created === 1 ? 'challenge' : 'challenges'}, ${o.insights.from} to ${o.insights.to}</span></div>
<div class="kpi"><b>${totals.conversions}</b><span>${totals.conversions === 1 ? 'conversion' : 'conversions'}</span></div>
${currencies.length ? currencies.map((c) => html`<div class="kpi"><b>${money(totals.revenue[c]!, c)}</b><span>revenue from conversions</span></div>`) : html`<div class="kpi"><b>0</b><span>revenue from conversions</span></div>`}
<div class="kpi"><b>${percent(stats.cacheHits, judged)}</b><span>verdict cache hit rate</span></div>
</div>
<div class="grid">
<section class="wide" aria-labelledby="h-accounts"><h2 id="h-accounts">Accounts most likely shared</h2><p class="lead">${o.source === 'admin' ? 'Every account the store has judged, with the signals that fired at its last judged request.' : 'Accounts judged by this server since it started (the store keeps no account index), with the signals that fired.'}</p>
${accountsTable(ctx, o.accounts, o.now, o.source)}
<details><summary>Open another account</summary>${openForm(ctx)}</details>
</section>
<section aria-labelledby="h-people"><h2 id="h-people">People per account</h2><p class="lead">Estimated from households in use on separate networks, day after day.</p>
${bars(peopleItems)}
<div class="scroll"><table><thead><tr><th scope="col">People</th><th scope="col" class="num">Accounts</th></tr></thead><tbody>${peopleItems.map((p) => html`<tr><td>${p.label}</td><td class="num">${p.value}</td></tr>`)}</tbody></table></div>
</section>
<section aria-labelledby="h-funnel"><h2 id="h-funnel">Challenges</h2><p class="lead">What became of the challenges opened from ${o.insights.from} to ${o.insights.to}.</p>
${bars(steps)}
<div class="scroll"><table><thead><tr><th scope="col">Step</th><th scope="col" class="num">Challenges</th><th scope="col" class="num">Of created</th></tr></thead><tbody>${steps.map((s) => html`<tr><td>${s.label}</td><td class="num">${s.value}</td><td class="num">${percent(s.value, totals.challenges.created)}</td></tr>`)}</tbody></table></div>
</section>
<section aria-labelledby="h-conversions"><h2 id="h-conversions">Conversions and revenue</h2><p class="lead">Sharers who signed up on their own, by day (UTC).</p>
<h3 class="lead">Conversions per day</h3>
${columns(days.map((d) => ({ day: d.day, value: d.conversions })))}
${currencies.map((c) => html`<h3 class="lead">Revenue per day, ${c}</h3>${columns(days.map((d) => ({ day: d.day, value: d.revenue[c] ?? 0 })), (n) => money(n, c))}`)}
<details><summary>By day</summary><div class="scroll"><table><thead><tr><th scope="col">Day</th><th scope="col" class="num">Challenges</th><th scope="col" class="num">Conversions</th>${currencies.map((c) => html`<th scope="col" class="num">Revenue ${c}</th>`)}</tr></thead><tbody>${days
    .filter((d) => d.conversions > 0 || d.challenges.created > 0)
    .map((d) => html`<tr><td>${d.day}</td><td class="num">${d.challenges.created}</td><td class="num">${d.conversions}</td>${currencies.map((c) => html`<td class="num">${money(d.revenue[c] ?? 0, c)}</td>`)}</tr>`)}</tbody></table></div></details>
${o.conversions.length ? html`<details><summary>Latest conversions</summary><div class="scroll"><table><thead><tr><th scope="col">When</th><th scope="col">Plan</th><th scope="col">Revenue</th><th scope="col">Via</th><th scope="col">Reason</th></tr></thead><tbody>${o.conversions.map((c) => html`<tr><td>${dateTime(c.at)}</td><td>${c.plan ?? '–'}</td><td>${c.revenue ? money(c.revenue.amount, c.revenue.currency) : '–'}</td><td>${c.via}</td><td>${c.reason ? checkName(c.reason) : '–'}</td></tr>`)}</tbody></table></div></details>` : ''}
</section>
<section aria-labelledby="h-verdicts"><h2 id="h-verdicts">Verdicts</h2><p class="lead">Decisions by this server since it started: ${judged}, of which ${stats.cacheHits} from the cache (${percent(stats.cacheHits, judged)}).</p>
${bars(verdicts)}
<div class="scroll"><table><thead><tr><th scope="col">Verdict</th><th scope="col" class="num">Decisions</th><th scope="col" class="num">Share</th></tr></thead><tbody>${verdicts.map((v) => html`<tr><td>${v.label}</td><td class="num">${v.value}</td><td class="num">${percent(v.value, judged)}</td></tr>`)}<tr><td>cache hits</td><td class="num">${stats.cacheHits}</td><td class="num">${percent(stats.cacheHits, judged)}</td></tr><tr><td>store failures</td><td class="num">${stats.storeFailures}</td><td class="num">${percent(stats.storeFailures, judged)}</td></tr></tbody></table></div>
</section>
</div>`;
  return layout(ctx, 'Overview', body);
}

function actionForm(ctx: DashboardContext, token: string, action: ActionName, device?: DeviceRecord): SafeHtml {
  const a = ACTIONS[action];
  const name = device ? `${a.label} ${describe(device)}` : a.label;
  return html`<form method="post" action="${ctx.base}/action" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="t" value="${token}"><input type="hidden" name="action" value="${action}">${device ? html`<input type="hidden" name="device" value="${device.id}">` : ''}<button type="submit" class="${a.danger ? 'danger' : ''}" aria-label="${name}">${a.label}</button></form>`;
}

export function describe(device: DeviceRecord): string {
  const agent = [device.agent.browser, device.agent.os].filter(Boolean).join(' on ');
  return `${device.type}${agent ? ` (${agent})` : ''}`;
}

function place(device: DeviceRecord): string {
  const l = device.lastLocation;
  if (!l) return '–';
  const where = [l.city, l.country].filter(Boolean).join(', ');
  return `${where || (l.lat !== undefined ? `${l.lat.toFixed(1)}, ${l.lon?.toFixed(1)}` : '–')}${l.hosting ? ' (VPN or hosting)' : ''}`;
}

export function accountPage(ctx: DashboardContext, a: AccountDetail, notice?: string): string {
  const token = ctx.tokenOf(a.accountId);
  const from = Math.min(a.now - 86_400_000, ...a.devices.map((d) => d.firstSeen));
  const status = notice ? html`<p class="notice" role="status">${notice}</p>` : undefined;
  const attached = a.devices.filter((d) => d.status === 'attached').length;
  const body = html`<section aria-labelledby="h-account"><h2 id="h-account">Account ${a.accountId}</h2>
<p class="lead">Status: ${a.status === 'unknown' ? 'not judged by this server since it started' : a.status}. ${attached} attached ${attached === 1 ? 'device' : 'devices'}${a.places.length ? `, ${a.places.length} ${a.places.length === 1 ? 'place' : 'places'}` : ''}${a.lastChallenge ? html`; last challenge ${ago(a.now, a.lastChallenge)}` : ''}.</p>
<div class="row">${a.admin ? actionForm(ctx, token, 'challenge') : ''}${a.status === 'suspended' ? actionForm(ctx, token, 'unsuspend') : [actionForm(ctx, token, 'suspend'), a.status === 'unknown' ? actionForm(ctx, token, 'unsuspend') : '']}</div>
</section>
<div class="grid">
<section class="wide" aria-labelledby="h-devices"><h2 id="h-devices">Devices</h2><p class="lead">${attached} attached of ${a.devices.length} known. Timeline: a bar per device from first to last seen.</p>
${a.devices.length ? html`<div class="hide-s">${timeline(a.devices.map((d, n) => ({ label: `${n + 1}. ${[d.agent.browser, d.agent.os].filter(Boolean).join(' ') || d.type}`.slice(0, 24), from: d.firstSeen, to: d.lastSeen, kind: d.status === 'attached' ? d.type : 'off' })), from, a.now)}</div>` : ''}
<div class="scroll"><table class="cards"><thead><tr><th scope="col">Device</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Place</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Actions</th></tr></thead>
<tbody>${a.devices.map(
    (d, n) => html`<tr><th scope="row">${n + 1}. ${describe(d)}</th><td data-label="Type">${d.type}</td><td data-label="Status">${d.status}${d.logoutPending ? ' (logout pending)' : ''}</td><td data-label="Place">${place(d)}</td><td data-label="First seen">${dateTime(d.firstSeen)}</td><td data-label="Last seen">${ago(a.now, d.lastSeen)}</td><td><div class="row">${d.status === 'attached' ? actionForm(ctx, token, 'detach', d) : ''}${d.status !== 'excluded' ? actionForm(ctx, token, 'exclude', d) : ''}${a.admin && d.status === 'attached' ? actionForm(ctx, token, 'challenge', d) : ''}</div></td></tr>`,
  )}</tbody></table></div>
${a.devices.length === 0 ? html`<p class="muted">No device known for this account.</p>` : ''}
</section>
<section aria-labelledby="h-signals"><h2 id="h-signals">Signals</h2><p class="lead">Each check that fired at the account's last judged request: what was observed against the threshold.</p>
${a.reasons.length ? html`<ul class="signals">${a.reasons.map((r) => html`<li><strong>${checkName(r.check)}</strong>${r.monitor ? ' (monitor only)' : ''}: ${reasonInWords(r)} <span class="muted">${ago(a.now, r.at)}${r.policy ? `, policy ${r.policy}` : ''}</span></li>`)}</ul>` : html`<p class="muted">No signal fired.</p>`}
${a.places.length ? html`<h3 class="lead">Places</h3><div class="scroll"><table><thead><tr><th scope="col">Network</th><th scope="col">Country</th><th scope="col" class="num">Household</th><th scope="col" class="num">Devices</th><th scope="col" class="num">Days</th><th scope="col">Last seen</th></tr></thead><tbody>${a.places.map((p) => html`<tr><td>${p.network ?? '–'}</td><td>${p.country ?? '–'}</td><td class="num">${p.household}</td><td class="num">${p.devices.length}</td><td class="num">${p.days}</td><td>${ago(a.now, p.lastSeen)}</td></tr>`)}</tbody></table></div>` : ''}
${a.challenges.length ? html`<h3 class="lead">Challenges</h3><div class="scroll"><table><thead><tr><th scope="col">Opened</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead><tbody>${a.challenges.map((c) => html`<tr><td>${dateTime(c.createdAt)}</td><td>${c.kind}</td><td>${c.status}${c.resolution ? ` (${c.resolution})` : ''}</td><td>${c.reasons.map((r) => checkName(r.check)).join(', ') || '–'}</td></tr>`)}</tbody></table></div>` : ''}
</section>
</div>`;
  return layout(ctx, `Account ${a.accountId}`, body, status);
}

/** The confirmation step every action goes through; works without JavaScript. */
export function confirmPage(ctx: DashboardContext, accountId: string, action: ActionName, device?: DeviceRecord): string {
  const a = ACTIONS[action];
  const token = ctx.tokenOf(accountId);
  const body = html`<section aria-labelledby="h-confirm"><h2 id="h-confirm">${a.label}${device ? ` · ${describe(device)}` : ''}</h2>
<p>Account <strong>${accountId}</strong>. ${a.confirm}</p>
<form method="post" action="${ctx.base}/action" class="row"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="t" value="${token}"><input type="hidden" name="action" value="${action}">${device ? html`<input type="hidden" name="device" value="${device.id}">` : ''}<input type="hidden" name="confirm" value="yes"><button type="submit" class="primary ${a.danger ? 'danger' : ''}" autofocus>Yes, ${a.label.toLowerCase()}</button><a class="button" href="${ctx.base}/account?t=${token}">Cancel</a></form>
</section>`;
  return layout(ctx, `Confirm: ${a.label}`, body);
}
