import { CsrfTokens } from '../challenge/csrf.js';
import type { ChallengeError, ChallengeResult, ChallengeView } from '../challenge/flow.js';
import { confirmLogoutPage, devicesPage, introPage, lockedPage, messagePage, verifyPage, type Notice, type PageContext } from '../challenge/pages.js';
import type { Translator } from '../i18n/translator.js';
import type { Sharelock } from '../sharelock.js';
import type { Form } from './form.js';
import { firstValue, type RequestLike } from './request.js';
import { page as pageResponse, redirect, type HttpResponse } from './response.js';
import { clearAppSession, withReason } from './verdict-response.js';

const accessFrom = (ip: string | undefined) => (ip ? { ip } : {});

type Action = '' | 'owner' | 'verify' | 'resend' | 'devices' | 'kick' | 'complete' | 'logout' | 'new-account';

const ALLOWED: Record<Action, ReadonlyArray<string>> = {
  '': ['GET', 'HEAD'],
  verify: ['GET', 'HEAD', 'POST'],
  devices: ['GET', 'HEAD'],
  owner: ['POST'],
  resend: ['POST'],
  kick: ['POST'],
  complete: ['POST'],
  logout: ['GET', 'HEAD', 'POST'],
  'new-account': ['POST'],
};

interface Call<Req, Res> {
  /** A page in the request's language. */
  page: (status: number, body: string) => HttpResponse;
  id: string;
  deviceId: string;
  form: Form;
  ctx: PageContext;
  context: { req: Req; res: Res };
  request: RequestLike;
}

/**
 * The built-in challenge pages under `{basePath}/challenge/{id}[/{action}]`. Each handler runs one
 * step of the core's headless challenge API and renders the outcome; every POST needs the form's
 * CSRF token, and only the challenged device may act.
 */
export class ChallengeRoutes<Req, Res> {
  readonly #core: Sharelock<Req, Res>;
  readonly #csrf: CsrfTokens;
  readonly #pattern: RegExp;
  /** `{basePath}/challenge/`: checked on every request, so built once. */
  readonly #prefix: string;
  // A broken store fails every page until it recovers: log the first failure of each outage only.
  #failing = false;

  constructor(core: Sharelock<Req, Res>) {
    this.#core = core;
    this.#csrf = new CsrfTokens(core.config.secrets);
    const base = core.config.challenge.basePath.replace(/[.]/g, '\\.');
    this.#pattern = new RegExp(`^${base}/challenge/([^/]{1,64})(?:/([a-z-]{1,20}))?/?$`);
    this.#prefix = `${core.config.challenge.basePath}/challenge/`;
  }

  /** Whether the path is one of the challenge pages (they are never protected themselves). */
  matches(path: string): boolean {
    return path.startsWith(this.#prefix);
  }

  /** Answer a challenge page request, or `undefined` when the path is not one. `readForm` is called for POSTs only. */
  async handle(request: RequestLike, readForm: () => Promise<Form>, context: { req: Req; res: Res }): Promise<HttpResponse | undefined> {
    if (!this.matches(request.path)) return undefined;
    const config = this.#core.config;
    const match = this.#pattern.exec(request.path);
    const action = (match?.[2] ?? '') as Action;
    const id = match?.[1];
    const tr = this.#translator(request, context.req);
    // Every page says which language it speaks, and that it depends on Accept-Language.
    const page = (status: number, body: string) => {
      const response = pageResponse(status, body);
      response.headers['content-language'] = tr.locale;
      response.headers.vary = 'Accept-Language, Cookie';
      return response;
    };
    const ctx: PageContext = { branding: config.branding, tr, action: `${config.challenge.basePath}/challenge/${encodeURIComponent(id ?? '')}`, csrf: '', now: config.now(), homeUrl: config.urls.success };
    if (!id || !Object.hasOwn(ALLOWED, action)) return page(404, messagePage(ctx, 'notFoundTitle', 'notFoundLead'));
    if (!ALLOWED[action].includes(request.method)) {
      const response = page(405, messagePage(ctx, 'notFoundTitle', 'notFoundLead'));
      response.headers.allow = ALLOWED[action].join(', ');
      return response;
    }
    const deviceId = this.#core.deviceOf(request);
    if (!deviceId) return page(403, messagePage(ctx, 'notYoursTitle', 'notYoursLead'));
    ctx.csrf = this.#csrf.issue(id, deviceId);

    let form: Form = {};
    if (request.method === 'POST') {
      form = await readForm();
      if (!this.#csrf.verify(id, deviceId, form._csrf)) return page(403, messagePage(ctx, 'expiredTitle', 'expiredLead'));
    }
    const call: Call<Req, Res> = { id, deviceId, form, ctx, context, request, page };
    try {
      const response = await this.#run(action, request.method, call);
      this.#failing = false;
      return response;
    } catch (error) {
      if (!this.#failing) config.logger.error(`Challenge page ${request.method} ${action || 'intro'} failed; further failures are not logged until a page succeeds again.`, error);
      this.#failing = true;
      return page(503, messagePage(ctx, 'unavailableTitle', 'unavailableLead'));
    }
  }

  async #run(action: Action, method: string, call: Call<Req, Res>): Promise<HttpResponse> {
    const flow = this.#core.challenges;
    const config = this.#core.config.challenge;
    const { id, deviceId, ctx, page } = call;
    switch (action) {
      case '': {
        const result = await flow.present(id, deviceId);
        if (!result.ok) return this.#failed(result, call);
        if (result.value.verified) return redirect(`${ctx.action}/devices`);
        return page(200, introPage(ctx, result.value));
      }
      case 'owner': {
        const result = await flow.claimOwnership(id, deviceId, ctx.tr.locale);
        if (!result.ok) return this.#failed(result, call);
        return redirect(`${ctx.action}/${result.value.verified ? 'devices' : 'verify'}`);
      }
      case 'verify': {
        if (method === 'POST') {
          const result = await flow.verifyCode(id, deviceId, call.form.code);
          if (!result.ok) return this.#failed(result, call);
          return redirect(`${ctx.action}/devices`);
        }
        const result = await flow.present(id, deviceId);
        if (!result.ok) return this.#failed(result, call);
        if (result.value.verified) return redirect(`${ctx.action}/devices`);
        // No code is checked before then: the first page says until when, with the other ways out.
        if (result.value.lockedUntil !== undefined) return redirect(ctx.action);
        const notice = this.#notice(call.request, result.value, ctx);
        if (result.value.status !== 'code_sent' && !notice) return redirect(ctx.action);
        return page(200, verifyPage(ctx, result.value, config.codeLength, config.codeTtlMs, notice));
      }
      case 'resend': {
        const result = await flow.sendCode(id, deviceId, ctx.tr.locale);
        if (!result.ok) return this.#failed(result, call);
        return redirect(`${ctx.action}/verify?notice=resent`);
      }
      case 'devices': {
        const signedOut = query(call.request).get('signedOut') ?? undefined;
        const [viewed, listed] = await Promise.all([flow.present(id, deviceId), flow.devices(id, deviceId, signedOut)]);
        if (!listed.ok) return this.#failed(listed, call);
        if (!viewed.ok) return this.#failed(viewed, call);
        return page(200, devicesPage(ctx, viewed.value, listed.value, listed.value.signedOut));
      }
      case 'kick': {
        const result = await flow.kick(id, deviceId, call.form.device);
        if (!result.ok && result.error !== 'unknown_device') return this.#failed(result, call);
        // The devices page names the device that went (a device of this account only: the flow checks).
        return redirect(`${ctx.action}/devices${result.ok && typeof call.form.device === 'string' ? `?signedOut=${encodeURIComponent(call.form.device)}` : ''}`);
      }
      case 'complete': {
        const result = await flow.complete(id, deviceId, accessFrom(this.#core.clientIp(call.request)));
        if (!result.ok) return this.#failed(result, call);
        return redirect(result.value.redirect);
      }
      case 'logout':
      case 'new-account': {
        // "Log out this device" asks first (a GET changes nothing); the confirmation posts.
        // It reads nothing: a failed challenge's device may leave this way too, and the POST checks everything.
        if (method !== 'POST') return page(200, confirmLogoutPage(ctx));
        const result = await flow.resolve(id, deviceId, action === 'logout' ? 'logged_out' : 'new_account');
        if (!result.ok) return this.#failed(result, call);
        if (action === 'new-account') return redirect(result.value.redirect);
        await clearAppSession(this.#core.config, call.context, 'self');
        return redirect(withReason(result.value.redirect, 'self'));
      }
    }
  }

  /** Every way a step can fail, as the page a user sees. */
  #failed(result: Extract<ChallengeResult<unknown>, { ok: false }>, call: Call<Req, Res>): HttpResponse {
    const { ctx, page } = call;
    const error: ChallengeError = result.error;
    switch (error) {
      // Unknown: a mistyped link, or a challenge the store no longer has (a memory store restarted).
      case 'not_found':
        return page(404, messagePage(ctx, 'notFoundTitle', 'notFoundLead'));
      case 'wrong_device':
        return page(403, messagePage(ctx, 'notYoursTitle', 'notYoursLead'));
      case 'expired':
        return page(410, messagePage(ctx, 'expiredTitle', 'expiredLead'));
      // Finished on this device (or closed by a step that raced this one).
      case 'closed':
        return page(410, messagePage(ctx, 'doneTitle', 'doneLead'));
      case 'too_many_attempts':
        // While a budget keeps the device waiting, it cannot start again: say until when.
        return page(403, result.retryInMs === undefined ? messagePage(ctx, 'tooManyAttemptsTitle', 'tooManyAttempts') : lockedPage(ctx, ctx.now + result.retryInMs));
      // The first page says until when, without "I'm the owner"; the code page when only a new code must wait.
      case 'locked':
        return redirect(result.view?.resendLockedUntil !== undefined ? `${ctx.action}/verify` : ctx.action);
      case 'not_verified':
      case 'code_not_sent':
        return redirect(ctx.action);
      // The devices page shows how many must go, or that only the team's admin can make room.
      case 'over_limit':
      case 'group_full':
      case 'unknown_device':
        return redirect(`${ctx.action}/devices`);
      // Post/Redirect/Get: the outcome is shown on the verify page, so a reload never re-posts a code.
      case 'wrong_code':
      case 'code_expired':
      case 'resend_too_soon':
      case 'send_failed':
        return redirect(`${ctx.action}/verify?notice=${error}`);
    }
  }

  /** The message the verify page shows after a redirect, from its `notice` query parameter. Only a wrong code marks the field invalid. */
  #notice(request: RequestLike, view: ChallengeView, ctx: PageContext): Notice | undefined {
    const { tr, now } = ctx;
    switch (query(request).get('notice')) {
      case 'resent':
        return { kind: 'info', text: tr.t('resent') };
      case 'wrong_code':
        return { kind: 'error', text: tr.t('wrongCode', { attempts: tr.count('attempts', view.attemptsLeft) }), invalid: true };
      case 'code_expired':
        return { kind: 'error', text: tr.t('codeExpired') };
      case 'resend_too_soon':
        return { kind: 'error', text: tr.t('resendWait', { seconds: tr.count('seconds', Math.max(1, Math.ceil(((view.resendAvailableAt ?? now) - now) / 1000))) }) };
      case 'send_failed':
        return { kind: 'error', text: tr.t('sendFailed') };
      default:
        return undefined;
    }
  }

  /** The request's language: the `locale` option, else `Accept-Language`, else English. */
  #translator(request: RequestLike, req: Req): Translator {
    const { locales } = this.#core.config;
    return locales.translator(locales.choose(firstValue(request.headers['accept-language']), req));
  }
}

function query(request: RequestLike): URLSearchParams {
  return new URLSearchParams(request.url.slice(request.path.length));
}
