import 'reflect-metadata';
import { Controller, Get, Injectable, Module, type CanActivate, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Sharelock } from '../src/index.js';
import { SharelockGuard, SharelockModule } from '../adapters/nest/index.js';

@Controller('watch')
class WatchController {
  @Get(':id')
  watch(): string {
    return 'ok';
  }
}

/** A guard that lets everything through: Nest's own cost of running one. */
@Injectable()
class NoopGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

/**
 * The benchmark's Nest app on platform-express: `GET /watch/:id`, bare or guarded by
 * `SharelockGuard` (as `APP_GUARD`) with this `guard`, or by a guard that does nothing (`'noop'`).
 */
export async function nestServer(guard?: Sharelock<any, any> | 'noop'): Promise<Server> {
  const imports: DynamicModule[] = guard && guard !== 'noop' ? [SharelockModule.forRoot(guard)] : [];
  const providers = guard === 'noop' ? [{ provide: APP_GUARD, useClass: NoopGuard }] : guard ? [{ provide: APP_GUARD, useClass: SharelockGuard }] : [];
  @Module({ imports, controllers: [WatchController], providers })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.init();
  return app.getHttpServer() as Server;
}
