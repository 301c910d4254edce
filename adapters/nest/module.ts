import { Inject, Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type NestModule, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule, DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { handlerOf } from '../../src/http/handler.js';
import type { Options, RouteOptions } from '../../src/options.js';
import { createSharelock, Sharelock } from '../../src/sharelock.js';
import { SharelockExceptionFilter } from './exception.js';
import { routeOf, SharelockGuard } from './guard.js';
import { exchangeOf, routedOf, send, type PlatformRequest, type PlatformResponse } from './platform.js';
import { InjectSharelock, PROTECT_METADATA, SHARELOCK, SHARELOCK_SOURCE, SHARELOCK_STORE } from './tokens.js';

/** `SharelockModule.forRootAsync()`: options built from other providers, e.g. a config service. */
export interface SharelockModuleAsyncOptions<Req = any, Res = any> extends Pick<ModuleMetadata, 'imports'> {
  /** The providers `useFactory` receives, in order, e.g. `[ConfigService]`. */
  inject?: FactoryProvider['inject'];
  /** The sharelock options, or a `Sharelock` you created (and close yourself). Sync or async. */
  useFactory: (...args: any[]) => Options<Req, Res> | Sharelock<Req, Res> | Promise<Options<Req, Res> | Sharelock<Req, Res>>;
}

/**
 * sharelock for NestJS 11 and 12, on platform-express and platform-fastify. Provides the `Sharelock`
 * instance (`@InjectSharelock()`, token `SHARELOCK`) and its store (`SHARELOCK_STORE`), serves the
 * challenge pages under `challenge.basePath`, and closes the instance it created when the app
 * closes. Global: one per app, so `SharelockGuard` works in every module. Requests are guarded by
 * `SharelockGuard`, provided as `APP_GUARD` or in `@UseGuards()`.
 * @example
 * @Module({
 *   imports: [SharelockModule.forRoot({ secret: process.env.SHARELOCK_SECRET, identify: (req: Request) => req.user && { id: req.user.id }, protect: ['/watch/*'] })],
 *   providers: [{ provide: APP_GUARD, useClass: SharelockGuard }],
 * })
 * export class AppModule {}
 * @example
 * SharelockModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService, AccountsService],
 *   useFactory: (config: ConfigService, accounts: AccountsService) => ({ secret: config.get('SHARELOCK_SECRET'), identify: (req: Request) => accounts.identify(req) }),
 * })
 */
@Module({})
export class SharelockModule implements NestModule, OnModuleInit, OnApplicationShutdown {
  constructor(
    @InjectSharelock() private readonly core: Sharelock<any, any>,
    @Inject(SHARELOCK_SOURCE) private readonly source: Options | Sharelock<any, any>,
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** With the sharelock options, or a `Sharelock` you created (and close yourself). */
  static forRoot<Req = any, Res = any>(options: Options<Req, Res> | Sharelock<Req, Res>): DynamicModule {
    return define([], { provide: SHARELOCK_SOURCE, useValue: options });
  }

  static forRootAsync<Req = any, Res = any>({ imports = [], inject = [], useFactory }: SharelockModuleAsyncOptions<Req, Res>): DynamicModule {
    return define(imports, { provide: SHARELOCK_SOURCE, inject, useFactory });
  }

  /**
   * The challenge pages, on the HTTP adapter rather than through `MiddlewareConsumer`: they live at
   * `basePath` whatever the global prefix, come before every route, and on Fastify they get the
   * `FastifyRequest` and reply (what `onLogout` receives), which Nest middleware does not see.
   */
  configure(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // An application context without HTTP.
    const handler = handlerOf(this.core);
    // Every request passes here: the path alone first, and a request for another path goes on
    // synchronously, with nothing built and no promise (only sharelock's own pages need more).
    const isPage = (req: PlatformRequest) => handler.isPage(routedOf(req).path);
    const page = async (req: PlatformRequest, res: PlatformResponse): Promise<void> => {
      const exchange = exchangeOf(this.core, req, res);
      send(res, await handler.page(exchange), exchange.request.method);
    };
    if (adapter.getType() === 'fastify') {
      // Before Fastify parses a body: the pages read their own forms. An answered request stops
      // here: `done` is not called.
      adapter.getInstance().addHook('onRequest', (request: PlatformRequest, reply: PlatformResponse, done: (error?: unknown) => void) => {
        if (!isPage(request)) return done();
        page(request, reply).catch(done);
      });
    } else {
      adapter.use((req: PlatformRequest, res: PlatformResponse, next: (error?: unknown) => void) => {
        if (!isPage(req)) return next();
        page(req, res).catch(next);
      });
    }
  }

  /** Invalid `@Protect()` options stop the app from starting, as `guard.protect()` throws where a route is defined. */
  onModuleInit(): void {
    const scanner = new MetadataScanner();
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      for (const name of scanner.getAllMethodNames(metatype.prototype)) {
        const method = metatype.prototype[name] as Function;
        const options = this.reflector.getAllAndOverride<RouteOptions | false | undefined>(PROTECT_METADATA, [method, metatype]);
        if (options) routeOf(this.core, options, metatype, method);
      }
    }
  }

  /** After the HTTP server stopped taking requests. An instance you passed in stays yours to close. */
  async onApplicationShutdown(): Promise<void> {
    if (this.source !== this.core) await this.core.close();
  }
}

function define(imports: NonNullable<ModuleMetadata['imports']>, source: Provider): DynamicModule {
  return {
    module: SharelockModule,
    global: true,
    imports: [DiscoveryModule, ...imports],
    providers: [
      source,
      { provide: SHARELOCK, inject: [SHARELOCK_SOURCE], useFactory: (given: Options | Sharelock<any, any>) => (given instanceof Sharelock ? given : createSharelock(given)) },
      { provide: SHARELOCK_STORE, inject: [SHARELOCK], useFactory: (core: Sharelock<any, any>) => core.config.store },
      { provide: APP_FILTER, useClass: SharelockExceptionFilter },
      SharelockGuard,
    ],
    exports: [SHARELOCK, SHARELOCK_STORE, SharelockGuard],
  };
}
