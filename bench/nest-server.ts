import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
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

/**
 * The benchmark's Nest app on platform-express: `GET /watch/:id`, bare or guarded by
 * `SharelockGuard` (as `APP_GUARD`) with this `guard`.
 */
export async function nestServer(guard?: Sharelock<any, any>): Promise<Server> {
  const imports: DynamicModule[] = guard ? [SharelockModule.forRoot(guard)] : [];
  @Module({ imports, controllers: [WatchController], providers: guard ? [{ provide: APP_GUARD, useClass: SharelockGuard }] : [] })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.init();
  return app.getHttpServer() as Server;
}
