import { Controller, Get, HttpCode, NotFoundException, Param, Post, Res, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type express from 'express';
import type { FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import type { Options, Sharelock } from '../../../src/index.js';
import { firstValue } from '../../../src/http/request.js';
import { Protect, SHARELOCK, SharelockGuard, SharelockModule, SharelockState, type GuardState } from '../../../adapters/nest/index.js';
import { scenarioSetup, type ScenarioApp } from './contract.js';

export type NestPlatform = 'express' | 'fastify';
type FastifyAdapterOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>;

/** `res.header(name, value)`: the same call on Express's response and Fastify's reply. */
type HeaderSetter = { header(name: string, value: string): unknown };

@Controller()
class ScenarioController {
  @Get('watch/:id')
  watch(@Param('id') id: string, @SharelockState() state: GuardState | undefined, @Res({ passthrough: true }) res: HeaderSetter) {
    if (state) res.header('x-verdict', state.verdict.kind);
    return `playing ${id}`;
  }

  @Get('live/:id')
  @Protect({ limits: { devices: 1 } })
  live() {
    return 'live';
  }

  @Get('api/premium/:id')
  premium() {
    return { ok: true };
  }

  @Post('api/premium/:id')
  @HttpCode(200)
  post() {
    return { posted: true };
  }

  @Get('free')
  free() {
    return 'free';
  }
}

@Controller('kids')
class KidsController {
  @Get('shows/:id')
  show(@Param('id') id: string) {
    return `kids ${id}`;
  }

  @Get('live/:id')
  @Protect({ limits: { devices: 1 } })
  live() {
    return 'kids live';
  }
}

/**
 * Not in the other frameworks' scenario app: a Nest guard runs for routed requests only, where their
 * app-wide middleware sees every request. With this catch-all (as an app with a SPA fallback has),
 * any other path is routed, so the guard judges it when a pattern covers it; it answers 404 as
 * Nest does.
 */
@Controller()
class FallbackController {
  @Get('*')
  notFound(): never {
    throw new NotFoundException();
  }
}

/** `identify` reads headers from what the platform hands over: Express's request or Fastify's. */
export const headerOn: Record<NestPlatform, (req: any, name: string) => string | undefined> = {
  express: (req: express.Request, name) => req.get(name),
  fastify: (req: FastifyRequest, name) => firstValue(req.headers[name]),
};

/**
 * A Nest app on the platform, initialised and ready for supertest, without Nest's logs (`setup`
 * runs before `init()`; `fastify`: options of Fastify's).
 */
export async function nestApp(platform: NestPlatform, metadata: ModuleMetadata, setup?: (app: INestApplication) => void, fastify: FastifyAdapterOptions = {}): Promise<INestApplication & { getHttpServer(): Server }> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(fastify);
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  setup?.(app);
  await app.init();
  if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The scenario app (see `ScenarioApp`) on Nest 12, with `SharelockGuard` as the global guard. */
export async function nestScenarioApp(platform: NestPlatform, overrides?: Partial<Options>): Promise<ScenarioApp> {
  const { options, clock, logouts } = scenarioSetup(headerOn[platform], overrides);
  const app = await nestApp(platform, {
    imports: [SharelockModule.forRoot(options)],
    controllers: [ScenarioController, KidsController, FallbackController],
    providers: [{ provide: APP_GUARD, useClass: SharelockGuard }],
  });
  return { server: app.getHttpServer(), guard: app.get<Sharelock>(SHARELOCK), clock, logouts, close: () => app.close() };
}
