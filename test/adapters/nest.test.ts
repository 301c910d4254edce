import {
  Catch,
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Param,
  UseGuards,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import { createSharelock, type Options, type Sharelock, type Store } from '../../src/index.js';
import { InjectSharelock, Protect, SHARELOCK, SHARELOCK_STORE, SharelockGuard, SharelockModule, SharelockState, SkipSharelock, type GuardState } from '../../adapters/nest/index.js';
import { headerOn, nestApp, nestScenarioApp, type NestPlatform } from '../support/adapters/nest.js';
import { scenarioSetup } from '../support/adapters/contract.js';
import { describeAdapterScenarios } from './scenarios.js';

describeAdapterScenarios('Nest 12 on Express', (options) => nestScenarioApp('express', options));
describeAdapterScenarios('Nest 12 on Fastify', (options) => nestScenarioApp('fastify', options));

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A device (its own cookie jar) of `account`; `extra` headers on every request. */
function device(server: Server, account: string, extra: Record<string, string> = {}) {
  const agent = request.agent(server);
  const headers = { 'x-account': account, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0', ...extra };
  return {
    get: (path: string) => agent.get(path).set(headers),
    post: (path: string, form: Record<string, string>) => agent.post(path).set(headers).type('form').send(form),
  };
}

/** The statuses of `count` new devices of `account` opening `path`, one after the other. */
async function statuses(server: Server, account: string, path: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let n = 0; n < count; n++) seen.push((await device(server, account).get(path)).status);
  return seen;
}

type Req = { user?: { id: string } };

@Controller('premium')
@Protect({ limits: { devices: 1 } })
class PremiumController {
  @Get('show')
  show() {
    return 'show';
  }

  @Get('trailer')
  @SkipSharelock()
  trailer() {
    return 'trailer';
  }

  @Get('live')
  @Protect({ limits: { devices: 3 } })
  live() {
    return 'live';
  }
}

@Controller('watch')
class WatchController {
  @Get('preview')
  @SkipSharelock()
  preview() {
    return 'preview';
  }

  @Get(':id')
  watch(@Param('id') id: string, @SharelockState() state: GuardState | undefined) {
    return { id, verdict: state?.verdict.kind ?? null, account: state?.accountId ?? null };
  }
}

@Controller()
class OpenController {
  @Get('open')
  open() {
    return 'open';
  }
}

@Controller('guarded')
@UseGuards(SharelockGuard)
class GuardedController {
  @Get(':id')
  guarded() {
    return 'guarded';
  }
}

/** Sets `req.user` from the `x-user` header, as a passport or JWT guard would; refuses requests without one. */
@Injectable()
class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Req & { headers: Record<string, string | undefined> }>();
    const id = req.headers['x-user'];
    if (id) req.user = { id };
    return Boolean(id);
  }
}

@Controller('members')
@UseGuards(AuthGuard, SharelockGuard)
class MembersController {
  @Get(':id')
  @Protect()
  member() {
    return 'member';
  }
}

@Injectable()
class AccountsService {
  readonly seen: string[] = [];
  identify(id: string | undefined) {
    if (id) this.seen.push(id);
    return id ? { id, email: `${id}@example.com` } : null;
  }
}

@Injectable()
class ConfigService {
  get(key: 'SHARELOCK_SECRET' | 'DEVICES'): string {
    return { SHARELOCK_SECRET: 'a-secret-from-the-config-service-0123456789', DEVICES: '1' }[key];
  }
}

@Module({ providers: [ConfigService, AccountsService], exports: [ConfigService, AccountsService] })
class ConfigModule {}

@Injectable()
class AdminService {
  constructor(
    @InjectSharelock() readonly guard: Sharelock,
    @Inject(SHARELOCK_STORE) readonly store: Store,
  ) {}
}

@Controller('admin')
class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('devices/:account')
  async devices(@Param('account') account: string) {
    return (await this.admin.guard.devices(account)).length;
  }
}

// In a feature module that does not import SharelockModule: it is global.
@Module({ controllers: [AdminController, GuardedController], providers: [AdminService] })
class FeatureModule {}

/** The app's own cookie, set by Nest middleware before the guard runs. */
@Module({ controllers: [WatchController] })
class CookieModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
        res.setHeader('set-cookie', 'app=1; Path=/');
        next();
      })
      .forRoutes(WatchController);
  }
}

/** A catch-all filter as many apps have, answering every exception with its own JSON. */
@Catch()
class CatchAllFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}
  catch(exception: unknown, host: ArgumentsHost): void {
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { caught: true }, status);
  }
}

@Controller('broken')
class BrokenController {
  @Get()
  @Protect({ limits: { devices: 0 } })
  show() {
    return 'never';
  }
}

for (const platform of ['express', 'fastify'] as const satisfies NestPlatform[]) {
  describe(`Nest 12 on ${platform === 'express' ? 'Express' : 'Fastify'}: the Nest module, guard and decorators`, () => {
    const apps: INestApplication[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    /** An app with `SharelockModule.forRoot()` on the scenario options (`x-account` header), plus `metadata`. */
    const start = async (metadata: ModuleMetadata, overrides: Partial<Options> = {}, guard?: Sharelock) => {
      const { options, logouts } = scenarioSetup(headerOn[platform], overrides);
      const app = await nestApp(platform, { ...metadata, imports: [SharelockModule.forRoot(guard ?? options), ...(metadata.imports ?? [])] });
      apps.push(app);
      return { app, server: app.getHttpServer(), guard: app.get<Sharelock>(SHARELOCK), logouts };
    };
    const globalGuard = { provide: APP_GUARD, useClass: SharelockGuard };

    it('takes its options from forRootAsync, with an identify that uses an injected service', async () => {
      const app = await nestApp(platform, {
        imports: [
          SharelockModule.forRootAsync({
            imports: [ConfigModule],
            inject: [ConfigService, AccountsService],
            useFactory: async (config: ConfigService, accounts: AccountsService): Promise<Options> => ({
              secret: config.get('SHARELOCK_SECRET'),
              identify: (req) => accounts.identify(headerOn[platform](req, 'x-account')),
              protect: ['/watch/*'],
              limits: { devices: Number(config.get('DEVICES')) },
              logger: { warn: () => {}, error: () => {} },
            }),
          }),
        ],
        controllers: [WatchController],
        providers: [globalGuard],
      });
      apps.push(app);
      expect(await statuses(app.getHttpServer(), 'ada', '/watch/1', 2)).to.deep.equal([200, 303]);
      expect(app.get(AccountsService).seen).to.deep.equal(['ada', 'ada']);
      expect(app.get<Sharelock>(SHARELOCK).config.secrets[0]!.toString()).to.equal('a-secret-from-the-config-service-0123456789');
    });

    it("exempts a @SkipSharelock() handler of a protected controller, and lets a handler's @Protect() options win over the controller's", async () => {
      const { server, guard } = await start({ controllers: [PremiumController], providers: [globalGuard] });
      expect(await statuses(server, 'bea', '/premium/show', 2), "the controller's limit of 1").to.deep.equal([200, 303]);
      const trailer = await device(server, 'cy').get('/premium/trailer');
      expect([trailer.status, trailer.headers['set-cookie']]).to.deep.equal([200, undefined]);
      expect(await guard.devices('cy')).to.deep.equal([]);
      expect(await statuses(server, 'dee', '/premium/live', 4), "the handler's limit of 3").to.deep.equal([200, 200, 200, 303]);
    });

    it('exempts a @SkipSharelock() handler from the protect patterns too', async () => {
      const { server } = await start({ controllers: [WatchController], providers: [globalGuard] }, { limits: { devices: 1 } });
      expect(await statuses(server, 'eve', '/watch/preview', 3)).to.deep.equal([200, 200, 200]);
      expect(await statuses(server, 'eve', '/watch/1', 2)).to.deep.equal([200, 303]);
    });

    it('hands the guard state to @SharelockState(): allow with the account, or nothing when not judged', async () => {
      const { server } = await start({ controllers: [WatchController], providers: [globalGuard] });
      expect((await device(server, 'fay').get('/watch/1')).body).to.deep.equal({ id: '1', verdict: 'allow', account: 'fay' });
      expect((await device(server, 'fay').get('/watch/1')).body.verdict).to.equal('allow');
      expect((await request(server).get('/watch/1')).body, 'anonymous: allow without an account').to.deep.equal({ id: '1', verdict: 'allow', account: null });
    });

    it('guards with @UseGuards(SharelockGuard) without APP_GUARD, in a module that does not import SharelockModule', async () => {
      const { server } = await start({ imports: [FeatureModule], controllers: [OpenController] }, { protect: ['/**'], limits: { devices: 1 } });
      expect(await statuses(server, 'gil', '/guarded/1', 2)).to.deep.equal([200, 303]);
      expect(await statuses(server, 'gil', '/open', 2), 'no guard on this controller').to.deep.equal([200, 200]);
    });

    it('sees the user an auth guard set: a global one provided first, or one listed first in @UseGuards', async () => {
      const identify = (req: Req) => req.user && { id: req.user.id };
      const global = await start({ controllers: [WatchController], providers: [{ provide: APP_GUARD, useClass: AuthGuard }, globalGuard] }, { identify, limits: { devices: 1 } });
      const asUser = (server: Server, path: string) => Promise.all([0, 1].map(() => request(server).get(path).set('x-user', 'hal'))).then((r) => r.map((response) => response.status).sort());
      expect(await asUser(global.server, '/watch/1')).to.deep.equal([200, 303]);
      const scoped = await start({ controllers: [MembersController] }, { identify, limits: { devices: 1 } });
      expect(await asUser(scoped.server, '/members/1')).to.deep.equal([200, 303]);
      expect((await request(scoped.server).get('/members/1')).status, 'refused by the auth guard').to.equal(403);
    });

    it('injects the Sharelock instance and its store into services', async () => {
      const { app, server, guard } = await start({ imports: [FeatureModule], controllers: [WatchController], providers: [globalGuard] });
      await device(server, 'ivy').get('/watch/1');
      expect((await request(server).get('/admin/devices/ivy')).text).to.equal('1');
      const admin = app.get(AdminService);
      expect(admin.guard).to.equal(guard);
      expect(admin.store).to.equal(guard.config.store);
    });

    it("keeps the app's own cookies next to the device cookie, on a challenge too", async () => {
      const { server } = await start({ imports: [CookieModule], providers: [globalGuard] }, { limits: { devices: 1 } });
      const cookiesOf = (response: request.Response) => (response.headers['set-cookie'] as unknown as string[]).map((c) => c.split('=')[0]).sort();
      expect(cookiesOf(await device(server, 'jo').get('/watch/1'))).to.deep.equal(['app', 'sl_device']);
      const challenged = await device(server, 'jo').get('/watch/1');
      expect(challenged.status).to.equal(303);
      expect(cookiesOf(challenged)).to.deep.equal(['app', 'sl_device']);
    });

    it("still redirects when the app's catch-all exception filter answers the challenge", async () => {
      const { server } = await start({ controllers: [WatchController], providers: [globalGuard, { provide: APP_FILTER, useClass: CatchAllFilter }] }, { limits: { devices: 1 } });
      await device(server, 'kim').get('/watch/1');
      const challenged = await device(server, 'kim').get('/watch/1');
      expect(challenged.status).to.equal(303);
      expect(challenged.headers.location).to.match(/^\/sharelock\/challenge\//);
      const json = await device(server, 'kim', { accept: 'application/json' }).get('/watch/1');
      expect([json.status, json.body.verdict]).to.deep.equal([403, 'challenge']);
    });

    it("hands onLogout the platform's request and response, from the guard and from the challenge page", async () => {
      const seen: string[] = [];
      const onLogout: Options['onLogout'] = ({ req, res }) => void seen.push(`${'raw' in req ? 'fastify' : 'express'}/${'raw' in res ? 'fastify' : 'express'}`);
      const { server, guard } = await start({ controllers: [WatchController], providers: [globalGuard] }, { onLogout, limits: { devices: 1 } });
      const kicked = device(server, 'lu');
      await kicked.get('/watch/1');
      await guard.kick('lu', (await guard.devices('lu'))[0]!.id);
      expect((await kicked.get('/watch/1')).headers.location).to.equal('/logout?reason=owner');
      const leaver = device(server, 'max');
      await device(server, 'max').get('/watch/1');
      const url = (await leaver.get('/watch/1')).headers.location as string;
      const out = await leaver.post(`${url}/logout`, { _csrf: csrfOf((await leaver.get(url)).text) });
      expect(out.headers.location).to.equal('/logout?reason=self');
      expect(seen).to.deep.equal([`${platform}/${platform}`, `${platform}/${platform}`]);
    });

    it('serves the challenge pages at basePath whatever the global prefix', async () => {
      const { options } = scenarioSetup(headerOn[platform], { limits: { devices: 1 } });
      const app = await nestApp(platform, { imports: [SharelockModule.forRoot(options)], controllers: [WatchController], providers: [globalGuard] }, (app) => app.setGlobalPrefix('api'));
      apps.push(app);
      const server = app.getHttpServer();
      await device(server, 'ned').get('/api/watch/1');
      const third = device(server, 'ned');
      const url = (await third.get('/api/watch/1')).headers.location as string;
      expect(url).to.match(/^\/sharelock\/challenge\//);
      expect((await third.get(url)).status).to.equal(200);
    });

    if (platform === 'fastify') {
      it('judges the URL Fastify routes after a rewriteUrl', async () => {
        const { options } = scenarioSetup(headerOn[platform], { limits: { devices: 1 } });
        const rewriteUrl = (req: { url?: string }) => (req.url ?? '/').replace(/^\/old\//, '/watch/');
        const app = await nestApp(platform, { imports: [SharelockModule.forRoot(options)], controllers: [WatchController], providers: [globalGuard] }, undefined, { rewriteUrl });
        apps.push(app);
        expect(await statuses(app.getHttpServer(), 'oz', '/old/1', 2)).to.deep.equal([200, 303]);
      });
    }

    it('refuses to start on invalid @Protect() options, naming the handler', async () => {
      const { options } = scenarioSetup(headerOn[platform]);
      const failed = await nestApp(platform, { imports: [SharelockModule.forRoot(options)], controllers: [BrokenController], providers: [globalGuard] }).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failed?.message).to.match(/SHARELOCK_E_OPTION_INVALID/).and.include('@Protect() on BrokenController.show');
    });

    it('closes the guard it created when the app closes, and leaves one passed in open', async () => {
      const probe = { method: 'GET', path: '/watch/1', url: '/watch/1', headers: {}, remoteAddress: '127.0.0.1', https: false };
      const { app, guard } = await start({ controllers: [WatchController] });
      apps.splice(apps.indexOf(app), 1);
      await app.close();
      const closed = await guard.decide(probe, {}).then(() => 'open', (error: { code?: string }) => error.code);
      expect(closed).to.equal('SHARELOCK_E_CLOSED');

      const { options } = scenarioSetup(headerOn[platform], { identify: () => null });
      const own = createSharelock(options);
      const passed = await start({ controllers: [WatchController] }, {}, own);
      apps.splice(apps.indexOf(passed.app), 1);
      await passed.app.close();
      expect((await own.decide(probe, {})).verdict.kind).to.equal('allow');
      await own.close();
    });
  });
}
