import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The set-up code a developer pastes from the README, type-checked against this package as built,
// so it cannot drift from the API. Each block is checked as written; what it leaves to the app (a
// route handler, the session's user) is declared after it, so errors point at its lines.
const ROOT = process.cwd();
const DIR = join(ROOT, '.readme-check');

const USER = '{ accountId: string; email: string; phone?: string; plan: string }';
const DECLARED: Record<string, string> = {
  Express: `declare module 'express-session' { interface SessionData { user: ${USER} } }
declare const live: import('express').RequestHandler;`,
  Koa: `declare module 'koa-session' { interface Session { user?: ${USER} } }`,
  Fastify: `import type {} from '@fastify/session';
declare module 'fastify' { interface Session { user?: ${USER} } }
declare const live: import('fastify').RouteHandlerMethod;`,
  // What passport declares for a Nest app that authenticates with it.
  NestJS: `declare global { namespace Express { interface User ${USER} interface Request { user?: User } } }
declare class AuthGuard {}`,
};

/** The first ```ts block under each `## {name}` heading. */
function setUpBlocks(readme: string): Record<string, string> {
  const blocks: Record<string, string> = {};
  for (const name of Object.keys(DECLARED)) {
    const section = readme.split(`\n## ${name}\n`)[1]?.split('\n## ')[0] ?? '';
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    if (block) blocks[name] = block;
  }
  return blocks;
}

describe('the README', function () {
  this.timeout(60_000);
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it("compiles every framework's set-up example against the built package", () => {
    const blocks = setUpBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(Object.keys(blocks)).to.deep.equal(Object.keys(DECLARED));
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const files = Object.entries(blocks).map(([name, code]) => {
      const file = `${name.toLowerCase()}.ts`;
      writeFileSync(join(DIR, file), `${code}\n${DECLARED[name]}\nexport {};\n`);
      return file;
    });
    const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'] };
    writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', DIR], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      expect.fail(String((error as { stdout?: string }).stdout ?? error));
    }
  });
});
