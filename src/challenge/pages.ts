import type { Config } from '../options.js';
import type { DeviceType } from '../model.js';
import { deviceName as nameOf } from '../device/name.js';
import { html, raw, type SafeHtml } from '../http/html.js';
import type { Translator } from '../i18n/translator.js';
import type { ChallengeView, DeviceListing, DeviceView } from './flow.js';
import type { StringKey } from './strings.js';

/** What every challenge page needs besides its data. */
export interface PageContext {
  branding: Config['branding'];
  /** The request's language: its words, plural rules, dates and direction. */
  tr: Translator;
  /** `{basePath}/challenge/{id}`: forms post to `${action}/owner` etc. */
  action: string;
  csrf: string;
  now: number;
  /** Where "Back to app" leads. */
  homeUrl: string;
}

/** A message above a form; `invalid` marks the code field as wrong (a wrong code, not a wait). */
export type Notice = { kind: 'error' | 'info'; text: string; invalid?: boolean };

const TYPE_LABEL: Record<DeviceType, StringKey> = { computer: 'typeComputer', tablet: 'typeTablet', mobile: 'typeMobile', tv: 'typeTv', other: 'typeOther' };

/** A device counts as in use when it was seen this recently. */
const IN_USE_MS = 5 * 60_000;

function t(ctx: PageContext, key: StringKey, values: Record<string, string | number> = {}): string {
  return ctx.tr.t(key, values);
}

/** The page shell: no external assets, no script, readable on a phone, usable with a keyboard and a screen reader, in the request's language and direction. */
function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  const { colors, logoUrl, appName } = ctx.branding;
  const style = `:root{--accent:${colors.accent};--page:${colors.background};--text:${colors.text}}${STYLE}`;
  return html`<!doctype html>
<html lang="${ctx.tr.locale}" dir="${ctx.tr.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
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

// Colours are variables, set once per scheme, so the page, the card and every text on them change
// together; each text/background pair is at least 4.5:1 (WCAG AA) with the default brand colours,
// and the browser tests measure it. Dark mode lightens the brand colour for text on the dark card.
const STYLE = `
:root{color-scheme:light dark;--card:#fff;--muted:#4b5563;--border:#d1d5db;--field:#6b7280;--control:#fff;--accent-text:var(--accent);--info:#eef2ff;--error-bg:#fef2f2;--error:#991b1b;--disabled-bg:#e5e7eb;--disabled:#4b5563}
@media (prefers-color-scheme:dark){:root{--page:#030712;--card:#111827;--text:#f3f4f6;--muted:#cbd5e1;--border:#374151;--field:#9ca3af;--control:#1f2937;--accent-text:color-mix(in srgb,var(--accent) 35%,#fff);--info:#1e1b4b;--error-bg:#450a0a;--error:#fecaca;--disabled-bg:#374151;--disabled:#e5e7eb}}
*{box-sizing:border-box}
html{background:var(--page)}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;background:var(--page);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",Tahoma,sans-serif;padding:24px 16px;overflow-wrap:break-word}
main{width:100%;max-width:480px;background:var(--card);color:var(--text);border-radius:16px;box-shadow:0 4px 24px rgb(0 0 0/.08);padding:28px}
h1{font-size:1.4rem;line-height:1.25;margin:0 0 12px}
.app{font-weight:600;margin:0 0 16px;color:var(--accent-text)}
.logo{max-height:40px;max-width:200px;margin-bottom:16px}
form{margin:0}
.choices{display:grid;gap:12px;margin-top:20px}
button,.button{font:inherit;cursor:pointer;border-radius:10px;border:1px solid transparent}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--accent-text);outline-offset:2px}
.choice{width:100%;text-align:start;padding:14px 16px;background:var(--control);border-color:var(--border);color:var(--text)}
.choice:hover{border-color:var(--accent-text)}
.choice strong{display:block}
.choice span{display:block;font-size:.9rem;color:var(--muted)}
.primary{width:100%;padding:12px 16px;background:var(--accent);color:#fff;font-weight:600}
.primary:disabled{background:var(--disabled-bg);color:var(--disabled);cursor:not-allowed}
.button{display:block;text-align:center;padding:12px 16px;border-color:var(--border);color:var(--text);text-decoration:none;margin-top:12px}
.link{background:none;color:var(--accent-text);padding:8px 0;text-decoration:underline}
label{display:block;font-weight:600;margin:16px 0 6px}
input[type=text]{width:100%;font:inherit;font-size:1.5rem;letter-spacing:.3em;padding:10px 12px;border:1px solid var(--field);border-radius:10px;background:var(--control);color:var(--text);direction:ltr;text-align:start}
.notice{padding:10px 14px;border-radius:10px;margin:12px 0;background:var(--info);color:var(--text)}
.notice.error{background:var(--error-bg);color:var(--error)}
.devices{list-style:none;padding:0;margin:16px 0;display:grid;gap:10px}
.devices li{display:flex;gap:12px;align-items:center;justify-content:space-between;border:1px solid var(--border);border-radius:10px;padding:12px}
.devices .meta{font-size:.9rem;color:var(--muted)}
.badge{font-size:.8rem;background:var(--accent);color:#fff;border-radius:999px;padding:2px 10px;white-space:nowrap}
.kick{padding:8px 12px;background:var(--control);border-color:var(--border);color:var(--error);white-space:nowrap}
.status{font-weight:600}
a{color:var(--accent-text)}
`;

/** A full limit in words: all devices (`all`), or one type's (`perType`, `{type}` its label); `{group}` a team's id. */
function limitLead(ctx: PageContext, full: { limit: number; type?: DeviceType; id?: string }, all: StringKey, perType: StringKey): string {
  const values = { limit: ctx.tr.count('devices', full.limit), ...(full.id === undefined ? {} : { group: full.id }) };
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
  // The hint describes the button; it is not part of its name. "Log out this device" first asks (a GET, changing nothing).
  const form = action === 'logout' ? html`<form method="get" action="${ctx.action}/${action}">` : html`<form method="post" action="${ctx.action}/${action}">${csrfField(ctx)}`;
  return html`${form}<button class="choice" type="submit" aria-describedby="hint-${action}"><strong>${t(ctx, title)}</strong><span id="hint-${action}">${t(ctx, hint)}</span></button></form>`;
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

/** "Log out this device" asks first: it ends this device's session in the app. */
export function confirmLogoutPage(ctx: PageContext): string {
  return layout(
    ctx,
    t(ctx, 'confirmLogoutTitle'),
    html`<p>${t(ctx, 'confirmLogoutLead')}</p>
<form method="post" action="${ctx.action}/logout">${csrfField(ctx)}<button class="primary" type="submit">${t(ctx, 'confirmLogout')}</button></form>
<a class="button" href="${ctx.action}">${t(ctx, 'cancel')}</a>`,
  );
}

/** The one-time code form, with a resend button. */
export function verifyPage(ctx: PageContext, view: ChallengeView, codeLength: number, codeTtlMs: number, message?: Notice): string {
  const [first, ...rest] = view.destinations;
  const destination = rest.reduce((joined, next) => t(ctx, 'and', { first: joined, second: next }), first ?? '');
  return layout(
    ctx,
    t(ctx, 'verifyTitle'),
    html`<p>${t(ctx, 'verifyLead', { length: ctx.tr.number(codeLength), destination, minutes: ctx.tr.count('minutes', Math.round(codeTtlMs / 60_000)) })}</p>
${notice(message)}
<form method="post" action="${ctx.action}/verify">${csrfField(ctx)}
<label for="code">${t(ctx, 'codeLabel')}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="${CODE_PATTERN}" maxlength="${codeLength + 4}" required autofocus${message?.invalid ? raw(' aria-invalid="true"') : ''}>
<p><button class="primary" type="submit">${t(ctx, 'verifySubmit')}</button></p>
</form>
${view.resendLockedUntil === undefined
    ? html`<form method="post" action="${ctx.action}/resend">${csrfField(ctx)}<button class="link" type="submit">${t(ctx, 'resend')}</button></form>`
    : html`<p>${t(ctx, 'resendLocked', until(ctx, view.resendLockedUntil))}</p>`}`,
  );
}

// Valid with the `v` flag browsers compile `pattern` with (a `-` in a class must be escaped there):
// ASCII, Arabic-Indic and Persian digits, spaces and dashes, as normaliseCode() accepts them.
const CODE_PATTERN = '[0-9\u0660-\u0669\u06F0-\u06F9 \\-]*';

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

/** `{wait}` until a moment to come ("45 minutes", "2 hours"); `{time}`, the moment in UTC, for overrides written before 0.2. */
function until(ctx: PageContext, at: number): { time: string; wait: string } {
  return { time: ctx.tr.utc(at), wait: ctx.tr.wait(at - ctx.now) };
}

/**
 * The owner's devices: log out until within every limit, then continue. When the team's pool is
 * full of colleagues' devices, logging out is not enough: it says to ask the team's admin.
 * `signedOut` is the device the owner just logged out, named so they know it worked.
 */
export function devicesPage(ctx: PageContext, view: ChallengeView, listing: DeviceListing, signedOut?: DeviceView): string {
  const over = listing.toLogOut > 0;
  const full = listing.blocked?.reason === 'group_full';
  const lead = full
    ? t(ctx, 'devicesGroupFullLead')
    : view.kind !== 'device_limit'
      ? t(ctx, 'devicesVerifyLead')
      : view.group
        ? limitLead(ctx, view.group, 'devicesGroupLead', 'devicesGroupTypeLead')
        : limitLead(ctx, ownLimit(view), 'devicesLead', 'devicesTypeLead');
  const status = full ? t(ctx, 'devicesGroupFull') : over ? t(ctx, 'devicesOverLimit', { count: ctx.tr.count('devices', listing.toLogOut) }) : t(ctx, 'devicesWithinLimit');
  return layout(
    ctx,
    t(ctx, 'devicesTitle'),
    html`<p>${lead}</p>
${signedOut ? html`<p class="notice info">${t(ctx, 'signedOut', { device: deviceName(ctx, signedOut) })}</p>` : undefined}
<ul class="devices">
${listing.devices.map((device) => deviceItem(ctx, device))}
</ul>
<p class="status" role="status">${status}</p>
<form method="post" action="${ctx.action}/complete">${csrfField(ctx)}<button class="primary" type="submit"${over ? raw(' disabled') : ''}>${t(ctx, 'continue')}</button></form>`,
  );
}

function deviceItem(ctx: PageContext, device: DeviceView): SafeHtml {
  const name = deviceName(ctx, device);
  const inUse = !device.current && ctx.now - device.lastSeen < IN_USE_MS;
  const when = device.current ? '' : inUse ? t(ctx, 'usedNow') : t(ctx, 'lastSeen', { when: ctx.tr.relative(device.lastSeen, ctx.now) });
  // Two devices with the same browser differ at least by when they were added.
  const added = device.firstSeen === undefined ? '' : t(ctx, 'added', { when: ctx.tr.relative(device.firstSeen, ctx.now), date: ctx.tr.utc(device.firstSeen) });
  const meta = [when, place(ctx, device), added].filter(Boolean).join(' · ');
  return html`<li><div><strong>${name}</strong><div class="meta">${meta}</div></div>
${device.current
    ? html`<span class="badge">${t(ctx, 'thisDevice')}</span>`
    : html`<form method="post" action="${ctx.action}/kick">${csrfField(ctx)}<input type="hidden" name="device" value="${device.id}"><button class="kick" type="submit" aria-label="${t(ctx, 'logoutDevice')}: ${name}, ${meta}">${t(ctx, 'logoutDevice')}</button></form>`}</li>`;
}

/** Where a device was last used, as coarse as people say it ("near Paris", "in France"); nothing when unknown or behind a VPN. */
function place(ctx: PageContext, device: DeviceView): string {
  const location = device.lastLocation;
  if (!location || location.hosting) return '';
  if (location.city) return t(ctx, 'placeNear', { city: location.city, country: location.country ? ctx.tr.region(location.country) : '' });
  if (location.country) return t(ctx, 'placeCountry', { country: ctx.tr.region(location.country) });
  return '';
}

/** "iPhone", "Chrome on Windows", "Samsung TV", in the page's language. */
export function deviceName(ctx: PageContext, device: Pick<DeviceView, 'type' | 'agent'>): string {
  const name = nameOf(device.type, device.agent);
  if ('product' in name) return name.product;
  if ('browser' in name) return t(ctx, 'nameBrowserOnOs', { browser: name.browser, os: name.os });
  if ('maker' in name) return t(ctx, 'nameMakerType', { maker: name.maker, type: t(ctx, TYPE_LABEL[name.type]) });
  return t(ctx, TYPE_LABEL[name.type]);
}

/** A dead end explained: expired link, another device's link, too many attempts, a failure. */
export function messagePage(ctx: PageContext, title: StringKey, lead: StringKey): string {
  return layout(ctx, t(ctx, title), html`<p>${t(ctx, lead)}</p><p><a href="${ctx.homeUrl}">${t(ctx, 'goBack')}</a></p>`);
}
