import 'reflect-metadata';
import { BadRequestException, Controller, Get, HttpCode, Module, Param, Post, Query, Req, Res, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import session from 'express-session';
import { createSharelock, days, type Options, type Sharelock, type Store } from 'sharelock';
import { InjectSharelock, Protect, SharelockGuard, SharelockModule } from 'sharelock/nest';
import { DecisionLog, DevClock, parseDuration } from '../shared/dev.js';
import { identityOf, streamlyOptions } from '../shared/streamly.js';
import { findUser, isAdmin, type User } from '../shared/users.js';
import { escape, layout, loggedOutPage, loginForm } from '../shared/views.js';

declare module 'express-session' {
  interface SessionData {
    user: User;
  }
}

const MAX_ADVANCE_MS = days(400);

export interface ExampleOptions {
  store?: Store;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<Request, Response>>;
}


const endSession = (req: Request) => new Promise<void>((done) => req.session.destroy(() => done()));

@Controller()
class SiteController {
  @Get()
  home(@Req() req: Request) {
    const user = req.session.user;
    return layout('Welcome to Streamly', user, user ? '<p><a href="/watch/1">Watch episode 1</a> · <a href="/watch/2">episode 2</a></p>' : loginForm);
  }

  @Get('login')
  loginPage(@Req() req: Request) {
    return layout('Log in', req.session.user, loginForm);
  }

  @Post('login')
  async login(@Req() req: Request, @Res() res: Response) {
    const user = findUser(req.body?.user);
    if (!user) return void res.status(400).send(layout('Log in', undefined, `<p role="alert">Use letters and digits only.</p>${loginForm}`));
    await new Promise<void>((done, fail) => req.session.regenerate((error) => (error ? fail(error) : done())));
    req.session.user = user;
    res.redirect(303, '/');
  }

  @Get('logout')
  async logout(@Req() req: Request) {
    await endSession(req);
    return loggedOutPage((req.query as { reason?: unknown }).reason);
  }

  @Get('signup')
  signup(@Req() req: Request) {
    return layout('Create your own account', req.session.user, '<p>Your own plan, your own devices. (This is where your sign-up form goes.)</p>');
  }

  @Get('suspended')
  @HttpCode(403)
  suspended(@Req() req: Request) {
    return layout('Account suspended', req.session.user, '<p>Contact support.</p>');
  }

  // The paid area: at most 2 devices per account (the global limit), the family plan's own limits win.
  @Get('watch/:id')
  @Protect()
  watch(@Req() req: Request, @Param('id') id: string) {
    return layout(`Episode ${escape(id)}`, req.session.user, '<p>▶ Now playing. Only paying accounts get here, on at most 2 devices (4 on the family plan).</p>');
  }
}

@Controller('dev')
class OutboxController {
  constructor(@InjectSharelock() private readonly guard: Sharelock<Request, Response>) {}

  @Get('outbox')
  outbox(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { outbox } = this.guard;
    if (!outbox) {
      res.status(404);
      return layout('No outbox', req.session.user, '<p>Codes are sent by the configured senders.</p>');
    }
    const rows = [...outbox.messages].reverse().map((m) => `<li><code>${escape(m.code)}</code> to ${escape(m.to)} (${m.channel}) at ${new Date(m.expiresAt - this.guard.config.challenge.codeTtlMs).toISOString()}</li>`);
    return layout('Development outbox', req.session.user, `<p>Verification codes sharelock "sent" (development only).</p><ul>${rows.join('') || '<li>None yet.</li>'}</ul>`);
  }
}

/** Development only: move the clock forward (`advance=1d`, `3h`, `90m`), and see the latest verdicts with their reasons. */
@Controller('dev')
class DevController {
  constructor(
    private readonly clock: DevClock,
    private readonly decisions: DecisionLog,
  ) {}

  @Get('clock')
  now() {
    return this.clock;
  }

  @Post('clock')
  @HttpCode(200)
  advance(@Req() req: Request) {
    const ms = parseDuration(req.body?.advance);
    if (ms === undefined || ms > MAX_ADVANCE_MS) throw new BadRequestException({ error: 'Send advance=<n><d|h|m|s|ms>, e.g. advance=1d or advance=3h30m, at most 400 days.' });
    this.clock.advance(ms);
    return this.clock;
  }

  @Get('decisions')
  list(@Query('account') account: unknown, @Query('after') after: unknown) {
    return {
      now: new Date(this.clock.now()).toISOString(),
      decisions: this.decisions.list({ ...(typeof account === 'string' ? { account } : {}), after: typeof after === 'string' ? Number(after) || 0 : 0 }),
    };
  }
}

@Module({})
class StreamlyModule {
  static with(guard: Sharelock<Request, Response>, clock: DevClock, decisions: DecisionLog): DynamicModule {
    return {
      module: StreamlyModule,
      imports: [SharelockModule.forRoot(guard)],
      controllers: [SiteController, OutboxController, ...(guard.config.production ? [] : [DevController])],
      providers: [
        { provide: DevClock, useValue: clock },
        { provide: DecisionLog, useValue: decisions },
        { provide: APP_GUARD, useClass: SharelockGuard },
      ],
    };
  }
}

/**
 * "Streamly" on NestJS (platform-express, express-session): a small streaming site with a paid
 * area at `/watch/:id`, limited to 2 devices per account (the family plan: 4, at most 2 phones).
 * Everything sharelock-specific is in `createSharelock()`, `SharelockModule.forRoot(guard)`, the
 * `APP_GUARD` and `@Protect()`; `/dev/*` are development aids. The app is initialised, not listening.
 */
export async function createExampleApp(options: ExampleOptions = {}) {
  const { shared, clock, decisions } = streamlyOptions(options);
  const guard = createSharelock<Request, Response>({
    identify: (req) => identityOf(req.session.user, req.sessionID),
    onLogout: ({ req }) => endSession(req),
    limits: { devices: 2 },
    ...shared,
  });
  if (!guard.config.production) guard.on('decision', decisions.add);
  // The sharing dashboard at /admin/sharing, for the signed-in admin only (everyone else gets a 403).
  guard.dashboard({ authorize: (req) => isAdmin(req.session.user) });

  // Nest's own body parsers are off: the example's forms are urlencoded, a field or two.
  const app = await NestFactory.create<NestExpressApplication>(StreamlyModule.with(guard, clock, decisions), { bodyParser: false, logger: ['error', 'warn'] });
  app.disable('x-powered-by');
  app.use(session({ secret: 'streamly-session-secret', resave: false, saveUninitialized: false, name: 'streamly.sid' }));
  app.useBodyParser('urlencoded', { extended: false, limit: '8kb' });
  await app.init();
  return { app, guard, clock };
}
