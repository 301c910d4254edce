import type { Config } from '../options.js';
import type { DeviceType } from '../model.js';
import { html, raw, type SafeHtml } from '../http/html.js';
import type { ChallengeView, DeviceListing, DeviceView } from './flow.js';
import { counted, format, type StringKey } from './strings.js';

/** What every challenge page needs besides its data. */
export interface PageContext {
  branding: Config['branding'];
  /** `{basePath}/challenge/{id}`: forms post to `${action}/owner` etc. */
  action: string;
  csrf: string;
  now: number;
  /** Where "Back to app" leads. */
  homeUrl: string;
}

export type Notice = { kind: 'error' | 'info'; text: string };

const TYPE_LABEL: Record<DeviceType, StringKey> = { computer: 'typeComputer', tablet: 'typeTablet', mobile: 'typeMobile', tv: 'typeTv', other: 'typeOther' };

function t(ctx: PageContext, key: StringKey, values: Record<string, string | number> = {}): string {
  return format(ctx.branding.strings[key], { appName: ctx.branding.appName, ...values });
}

/** The page shell: no external assets, no script, readable on a phone, usable with a keyboard and a screen reader. */
function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  const { colors, logoUrl, appName } = ctx.branding;
  const style = `:root{--accent:${colors.accent};--bg:${colors.background};--text:${colors.text}}${STYLE}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${appName}</title>
<style>${raw(style)}</style>
</head>
<body>
<main aria-labelledby="title">
${logoUrl ? html`<img class="logo" src="${logoUrl}" alt="${appName}">` : html`<p class="app">${appName}</p>`}
<h1 id="title">${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px 16px}
main{width:100%;max-width:480px;background:#fff;border-radius:16px;box-shadow:0 4px 24px rgb(0 0 0/.08);padding:28px}
h1{font-size:1.4rem;line-height:1.25;margin:0 0 12px}
.app{font-weight:600;margin:0 0 16px;color:var(--accent)}
.logo{max-height:40px;max-width:200px;margin-bottom:16px}
form{margin:0}
.choices{display:grid;gap:12px;margin-top:20px}
button{font:inherit;cursor:pointer;border-radius:10px;border:1px solid transparent}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.choice{width:100%;text-align:left;padding:14px 16px;background:#fff;border-color:#d1d5db;color:inherit}
.choice:hover{border-color:var(--accent)}
.choice strong{display:block}
.choice span{display:block;font-size:.9rem;opacity:.75}
.primary{width:100%;padding:12px 16px;background:var(--accent);color:#fff;font-weight:600}
.primary:disabled{opacity:.45;cursor:not-allowed}
.link{background:none;color:var(--accent);padding:8px 0;text-decoration:underline}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=text]{width:100%;font:inherit;font-size:1.5rem;letter-spacing:.3em;padding:10px 12px;border:1px solid #9ca3af;border-radius:10px}
.notice{padding:10px 14px;border-radius:10px;margin:12px 0;background:#eef2ff}
.notice.error{background:#fef2f2;color:#991b1b}
.devices{list-style:none;padding:0;margin:16px 0;display:grid;gap:10px}
.devices li{display:flex;gap:12px;align-items:center;justify-content:space-between;border:1px solid #e5e7eb;border-radius:10px;padding:12px}
.devices .meta{font-size:.9rem;opacity:.75}
.badge{font-size:.8rem;background:var(--accent);color:#fff;border-radius:999px;padding:2px 10px;white-space:nowrap}
.kick{padding:8px 12px;background:#fff;border-color:#d1d5db;color:#991b1b;white-space:nowrap}
.status{font-weight:600}
a{color:var(--accent)}
@media (prefers-color-scheme:dark){main{background:#111827;color:#f3f4f6}.choice,.kick{background:#1f2937;color:inherit;border-color:#374151}.notice{background:#1e1b4b}.notice.error{background:#450a0a;color:#fecaca}.devices li{border-color:#374151}input[type=text]{background:#1f2937;color:inherit}}
`;

/** A full limit in words: all devices (`all`), or one type's (`perType`, `{type}` its label); `{group}` a team's id. */
function limitLead(ctx: PageContext, full: { limit: number; type?: DeviceType; id?: string }, all: StringKey, perType: StringKey): string {
  const values = { limit: counted(ctx.branding.strings, 'devices', full.limit), ...(full.id === undefined ? {} : { group: full.id }) };
  return full.type ? t(ctx, perType, { ...values, type: t(ctx, TYPE_LABEL[full.type]) }) : t(ctx, all, values);
}

/** The account's own limit that is full: one type's when the challenge is about it, else the total. */
function ownLimit(view: ChallengeView): { limit: number; type?: DeviceType } {
  return view.typeLimit ?? { limit: view.limits.devices };
}

function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

function notice(n: Notice | undefined): SafeHtml | undefined {
  if (!n) return undefined;
  return html`<p class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`;
}

function choice(ctx: PageContext, action: string, title: StringKey, hint: StringKey): SafeHtml {
  // The hint describes the button; it is not part of its name.
  return html`<form method="post" action="${ctx.action}/${action}">${csrfField(ctx)}<button class="choice" type="submit" aria-describedby="hint-${action}"><strong>${t(ctx, title)}</strong><span id="hint-${action}">${t(ctx, hint)}</span></button></form>`;
}

/**
 * Three ways out: create my own account, I'm the owner, log out this device. A team's full pool is
 * told as the team's limit, and, when the member's own devices cannot make room, that only the
 * team's admin can (the choices stay: the admin may free a slot meanwhile).
 */
export function introPage(ctx: PageContext, view: ChallengeView): string {
  const deviceLimit = view.kind === 'device_limit';
  // A spent budget pauses "I'm the owner" and says until when; the other ways out stay.
  const locked = view.lockedUntil !== undefined;
  const title = t(ctx, deviceLimit ? 'introTitle' : 'introVerifyTitle');
  const lead = !deviceLimit
    ? t(ctx, 'introVerifyLead')
    : view.group
      ? limitLead(ctx, view.group, 'introGroupLead', 'introGroupTypeLead')
      : limitLead(ctx, ownLimit(view), 'introLead', 'introTypeLead');
  return layout(
    ctx,
    title,
    html`<p>${lead}</p>
${view.blocked?.reason === 'group_full' ? html`<p class="notice">${t(ctx, 'introGroupFull')}</p>` : undefined}
${locked ? notice({ kind: 'error', text: t(ctx, 'lockedLead', until(ctx, view.lockedUntil!)) }) : undefined}
<div class="choices">
${choice(ctx, 'new-account', 'choiceNewAccount', 'choiceNewAccountHint')}
${locked ? undefined : choice(ctx, 'owner', 'choiceOwner', 'choiceOwnerHint')}
${choice(ctx, 'logout', 'choiceLogout', 'choiceLogoutHint')}
</div>`,
  );
}

/** The one-time code form, with a resend button. */
export function verifyPage(ctx: PageContext, view: ChallengeView, codeLength: number, codeTtlMs: number, message?: Notice): string {
  const destination = view.destinations.join(' and ');
  return layout(
    ctx,
    t(ctx, 'verifyTitle'),
    html`<p>${t(ctx, 'verifyLead', { length: codeLength, destination, minutes: counted(ctx.branding.strings, 'minutes', Math.round(codeTtlMs / 60_000)) })}</p>
${notice(message)}
<form method="post" action="${ctx.action}/verify">${csrfField(ctx)}
<label for="code">${t(ctx, 'codeLabel')}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 -]*" maxlength="${codeLength + 4}" required autofocus${message?.kind === 'error' ? raw(' aria-invalid="true"') : ''}>
<p><button class="primary" type="submit">${t(ctx, 'verifySubmit')}</button></p>
</form>
${view.resendLockedUntil === undefined
    ? html`<form method="post" action="${ctx.action}/resend">${csrfField(ctx)}<button class="link" type="submit">${t(ctx, 'resend')}</button></form>`
    : html`<p>${t(ctx, 'resendLocked', until(ctx, view.resendLockedUntil))}</p>`}`,
  );
}

/**
 * A failed challenge while its device waits for a spent budget: until when, and the ways out that
 * stay open (its next protected request opens no new code before then).
 */
export function lockedPage(ctx: PageContext, lockedUntil: number): string {
  return layout(
    ctx,
    t(ctx, 'lockedTitle'),
    html`${notice({ kind: 'error', text: t(ctx, 'lockedLead', until(ctx, lockedUntil)) })}
<div class="choices">
${choice(ctx, 'new-account', 'choiceNewAccount', 'choiceNewAccountHint')}
${choice(ctx, 'logout', 'choiceLogout', 'choiceLogoutHint')}
</div>`,
  );
}

/** `{time}` (UTC, as the pages show dates) and `{wait}` until a moment to come: minutes up to 90, then hours, rounded up. */
function until(ctx: PageContext, at: number): { time: string; wait: string } {
  const ms = Math.max(0, at - ctx.now);
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const wait = minutes <= 90 ? counted(ctx.branding.strings, 'minutes', minutes) : counted(ctx.branding.strings, 'hours', Math.ceil(ms / 3_600_000));
  return { time: shortDate.format(at), wait };
}

/**
 * The owner's devices: log out until within every limit, then continue. When the team's pool is
 * full of colleagues' devices, logging out is not enough: it says to ask the team's admin.
 */
export function devicesPage(ctx: PageContext, view: ChallengeView, listing: DeviceListing): string {
  const over = listing.toLogOut > 0;
  const full = listing.blocked?.reason === 'group_full';
  const lead = full
    ? t(ctx, 'devicesGroupFullLead')
    : view.kind !== 'device_limit'
      ? t(ctx, 'devicesVerifyLead')
      : view.group
        ? limitLead(ctx, view.group, 'devicesGroupLead', 'devicesGroupTypeLead')
        : limitLead(ctx, ownLimit(view), 'devicesLead', 'devicesTypeLead');
  const status = full ? t(ctx, 'devicesGroupFull') : over ? t(ctx, 'devicesOverLimit', { count: counted(ctx.branding.strings, 'devices', listing.toLogOut) }) : t(ctx, 'devicesWithinLimit');
  return layout(
    ctx,
    t(ctx, 'devicesTitle'),
    html`<p>${lead}</p>
<ul class="devices">
${listing.devices.map((device) => deviceItem(ctx, device))}
</ul>
<p class="status" role="status">${status}</p>
<form method="post" action="${ctx.action}/complete">${csrfField(ctx)}<button class="primary" type="submit"${over ? raw(' disabled') : ''}>${t(ctx, 'continue')}</button></form>`,
  );
}

function deviceItem(ctx: PageContext, device: DeviceView): SafeHtml {
  const name = deviceName(ctx, device);
  const place = [device.lastLocation?.city, device.lastLocation?.country].filter(Boolean).join(', ') || (device.network ? t(ctx, 'placeNetwork', { network: device.network }) : t(ctx, 'unknownPlace'));
  const when = device.current ? '' : t(ctx, 'lastSeen', { when: relativeTime(device.lastSeen, ctx.now) });
  // Two devices with the same browser differ at least by when they were added.
  const added = device.firstSeen === undefined ? '' : t(ctx, 'added', { date: shortDate.format(device.firstSeen) });
  const meta = [when, place, added].filter(Boolean).join(' · ');
  return html`<li><div><strong>${name}</strong><div class="meta">${meta}</div></div>
${device.current
    ? html`<span class="badge">${t(ctx, 'thisDevice')}</span>`
    : html`<form method="post" action="${ctx.action}/kick">${csrfField(ctx)}<input type="hidden" name="device" value="${device.id}"><button class="kick" type="submit" aria-label="${t(ctx, 'logoutDevice')}: ${name}, ${meta}">${t(ctx, 'logoutDevice')}</button></form>`}</li>`;
}

function deviceName(ctx: PageContext, device: DeviceView): string {
  const { browser, os, model } = device.agent;
  const what = [browser, os].filter(Boolean).join(' · ');
  return `${t(ctx, TYPE_LABEL[device.type])}${model ? ` ${model}` : ''}${what ? ` — ${what}` : ''}`;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const shortDate = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

function relativeTime(at: number, now: number): string {
  const elapsed = now - at;
  for (const [unit, ms] of UNITS) if (elapsed >= ms) return relative.format(-Math.floor(elapsed / ms), unit);
  return relative.format(0, 'second');
}

/** A dead end explained: expired link, another device's link, too many attempts, a failure. */
export function messagePage(ctx: PageContext, title: StringKey, lead: StringKey): string {
  return layout(ctx, t(ctx, title), html`<p>${t(ctx, lead)}</p><p><a href="${ctx.homeUrl}">${t(ctx, 'goBack')}</a></p>`);
}
