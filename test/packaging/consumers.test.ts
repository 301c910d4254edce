import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The packed tarball, installed as a user would get it: unpacked into node_modules of fixture
// projects inside the repository (so its dependencies resolve from the repository's node_modules,
// offline). `npm test` has just built dist/, so packing skips the prepack build.
const ROOT = process.cwd();
const PACK = join(ROOT, '.pack');
const INSTALLED = join(PACK, 'node_modules', 'sharelock');
const run = (command: string, args: string[], cwd = ROOT) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const SECRET = 'a-consumer-secret-that-is-long-enough-0123456789';
/** An Express app with one protected route, answering three devices of one account: 200, 200, 303. */
const expressServer = (imports: string) => `${imports}
const guard = createSharelock({ secret: '${SECRET}', identify: () => ({ id: 'alice', email: 'alice@example.com' }), protect: ['/watch/*'], limits: { devices: 2 }, logger: { warn() {}, error() {} } });
const app = express();
app.use(sharelock(guard));
app.get('/watch/:id', (req, res) => res.send('playing'));
const server = app.listen(0, async () => {
  const statuses = [];
  for (let n = 0; n < 3; n++) statuses.push((await fetch('http://localhost:' + server.address().port + '/watch/1', { redirect: 'manual' })).status);
  console.log(statuses.join(','));
  server.close();
  await guard.close();
});
`;

const TS_USE = `import { createSharelock, type Options, type Verdict } from 'sharelock';
import { sharelock } from 'sharelock/express';
import { RedisStore } from 'sharelock/redis';
const options: Options = { secret: '${SECRET}', identify: () => null };
const guard = createSharelock(options);
const middleware: (req: any, res: any, next: (error?: unknown) => void) => void = sharelock(guard);
const kind: Verdict['kind'] = 'allow';
export { middleware, kind, RedisStore };
`;

// The other frameworks' adapters, as a Koa, Fastify or Nest project uses them. Such projects set
// skipLibCheck (Nest's starters do): the frameworks' own declarations do not all check under strict.
const TS_FRAMEWORKS = `import { createSharelock } from 'sharelock';
import { protect, sharelock as koaSharelock, type SharelockState } from 'sharelock/koa';
import { sharelock as fastifySharelock } from 'sharelock/fastify';
import { Protect, SharelockGuard, SharelockModule, SkipSharelock } from 'sharelock/nest';
const guard = createSharelock({ secret: '${SECRET}', identify: () => null });
const state: SharelockState = {};
const koa = [koaSharelock(guard), protect(guard, { limits: { devices: 1 } })];
const nest = [SharelockModule.forRoot(guard), SharelockGuard, Protect({ limits: { devices: 1 } }), SkipSharelock()];
export { state, koa, fastifySharelock, nest };
`;

describe('the packed package in consumer projects', function () {
  this.timeout(120_000);
  let files: string[];
  let tarball: string;

  before(() => {
    rmSync(PACK, { recursive: true, force: true });
    mkdirSync(INSTALLED, { recursive: true });
    const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', PACK])) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed!.files.map((f) => f.path);
    tarball = join(PACK, packed!.filename);
    run('tar', ['-xzf', tarball, '-C', INSTALLED, '--strip-components=1']);
  });
  after(() => rmSync(PACK, { recursive: true, force: true }));

  function fixture(name: string, contents: Record<string, string>): string {
    const dir = join(PACK, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(contents)) writeFileSync(join(dir, file), text);
    return dir;
  }

  it('ships the built code, its types, the licence, and source maps only with their sources', () => {
    expect(files).to.include.members(['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/adapters/express/index.js', 'dist/src/stores/redis.js']);
    for (const map of files.filter((f) => f.endsWith('.js.map'))) {
      const { sources } = JSON.parse(readFileSync(join(INSTALLED, map), 'utf8')) as { sources: string[] };
      for (const source of sources) expect(files, `${map} → ${source}`).to.include(join(map, '..', source));
    }
    expect(files.some((f) => f.startsWith('dist/test/') || f.startsWith('dist/examples/') || f.startsWith('dist/bench/'))).to.equal(false);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.prepack, 'a publish or a git install builds first').to.match(/build/);
  });

  it('runs a protected route from ESM JavaScript', () => {
    const dir = fixture('esm', { 'package.json': '{ "type": "module" }', 'index.js': expressServer("import express from 'express';\nimport { createSharelock } from 'sharelock';\nimport { sharelock } from 'sharelock/express';") });
    expect(run(process.execPath, ['index.js'], dir).trim()).to.equal('200,200,303');
  });

  it('runs a protected route from CommonJS require()', () => {
    const dir = fixture('cjs', { 'package.json': '{ "type": "commonjs" }', 'index.js': expressServer("const express = require('express');\nconst { createSharelock } = require('sharelock');\nconst { sharelock } = require('sharelock/express');") });
    expect(run(process.execPath, ['index.js'], dir).trim()).to.equal('200,200,303');
  });

  it('installs the sharelock command and the metrics subpath', async () => {
    const manifest = JSON.parse(readFileSync(join(INSTALLED, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = manifest.bin.sharelock!;
    expect(files).to.include(bin);
    expect(readFileSync(join(INSTALLED, bin), 'utf8')).to.match(/^#!\/usr\/bin\/env node\n/);
    expect(run(process.execPath, [join(INSTALLED, bin), '--help'])).to.match(/replay/);
    const dir = fixture('metrics', {
      'package.json': '{ "type": "module" }',
      'index.js': `import { createSharelock } from 'sharelock';
import { collectMetrics } from 'sharelock/metrics';
const guard = createSharelock({ secret: '${SECRET}', identify: () => null, logger: { warn() {}, error() {} } });
const metrics = collectMetrics(guard);
console.log(/^sharelock_decisions_total/m.test(await metrics.register.metrics()));
metrics.close();
await guard.close();
`,
    });
    expect(run(process.execPath, ['index.js'], dir).trim()).to.equal('true');
  });

  for (const [name, compilerOptions] of [
    ['TypeScript module nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['TypeScript module commonjs with classic node resolution (older Nest starters)', { module: 'commonjs', moduleResolution: 'node' }],
  ] as const) {
    it(`type-checks in ${name}, the Koa, Fastify and Nest adapters too`, () => {
      const dir = fixture(name.replace(/\W+/g, '-'), {
        'package.json': '{}',
        'tsconfig.json': JSON.stringify({ compilerOptions: { ...compilerOptions, target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['index.ts'] }),
        'tsconfig.frameworks.json': JSON.stringify({ compilerOptions: { ...compilerOptions, target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['frameworks.ts'] }),
        'index.ts': TS_USE,
        'frameworks.ts': TS_FRAMEWORKS,
      });
      for (const project of ['tsconfig.json', 'tsconfig.frameworks.json']) {
        try {
          run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, project)]);
        } catch (error) {
          expect.fail(`${project}: ${String((error as { stdout?: string }).stdout ?? error)}`);
        }
      }
    });
  }

  it('runs a Nest app compiled by a consumer project (decorators, APP_GUARD, @Protect)', () => {
    const dir = fixture('nest', {
      'package.json': '{ "type": "module" }',
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, experimentalDecorators: true, emitDecoratorMetadata: true, outDir: 'out', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['main.ts'] }),
      'main.ts': `import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Protect, SharelockGuard, SharelockModule } from 'sharelock/nest';

@Controller('watch')
class WatchController {
  @Get(':id') @Protect({ limits: { devices: 2 } }) watch() { return 'playing'; }
}

@Module({
  imports: [SharelockModule.forRoot({ secret: '${SECRET}', identify: () => ({ id: 'alice', email: 'alice@example.com' }), logger: { warn() {}, error() {} } })],
  controllers: [WatchController],
  providers: [{ provide: APP_GUARD, useClass: SharelockGuard }],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0);
const statuses: number[] = [];
for (let n = 0; n < 3; n++) statuses.push((await fetch(\`\${await app.getUrl()}/watch/1\`, { redirect: 'manual' })).status);
console.log(statuses.join(','));
await app.close();
`,
    });
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]);
    expect(run(process.execPath, ['out/main.js'], dir).trim()).to.equal('200,200,303');
  });

  it('passes publint and Are the Types Wrong', () => {
    const lint = run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), INSTALLED, '--strict']);
    expect(lint).not.to.match(/error|warning/i);
    // ESM only by design: CommonJS apps load it with require() of ESM on Node ≥ 20.19 (the engines field).
    run(process.execPath, [join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped']);
  });

  it('has no copyleft licence in its production dependency tree', () => {
    const tree = JSON.parse(run('npm', ['ls', '--omit=dev', '--omit=peer', '--omit=optional', '--all', '--json', '--long'])) as Dependency;
    const licences = new Map<string, string>();
    const walk = (node: Dependency) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        licences.set(`${name}@${child.version}`, String(child.license ?? 'UNKNOWN'));
        walk(child);
      }
    };
    walk(tree);
    expect(licences.size).to.be.greaterThan(5);
    const copyleft = [...licences].filter(([, licence]) => /GPL|SSPL|EUPL|OSL|CC-BY-SA|UNKNOWN/i.test(licence));
    expect(copyleft).to.deep.equal([]);
    expect([...licences.keys()].filter((id) => id.startsWith('ua-parser-js@') && !id.startsWith('ua-parser-js@1.')), 'ua-parser-js 2 is AGPL').to.deep.equal([]);
  });
});

interface Dependency {
  version?: string;
  license?: unknown;
  dependencies?: Record<string, Dependency>;
}
