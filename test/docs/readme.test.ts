import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Device } from '../../examples/shared/cookie-jar.js';
import { freePort } from '../support/process.js';

// The README's code, as a developer pastes it. The framework sections are complete programs: they
// are compiled exactly as written and run. Every other TypeScript block is a fragment of the
// section around it; it is type-checked with what that prose gives it (a `guard`, an `app`, the
// app's own functions), declared below, so a block cannot drift from the API.
const ROOT = process.cwd();
const DIR = join(ROOT, '.readme-check');
const FRAMEWORKS = ['Express', 'Koa', 'Fastify', 'NestJS'] as const;

/** What a fragment may use without defining it: names from the prose and the framework examples. */
const CONTEXT: Record<string, string> = {
  express: "import express from 'express';",
  createSharelock: "import { createSharelock } from 'sharelock';",
  sharelock: "import { sharelock } from 'sharelock/express';",
  Redis: "import { Redis } from 'ioredis';",
  Analytics: "declare const Analytics: new (...args: any[]) => unknown;",
  app: 'declare const app: import("express").Express;',
  guard: 'declare const guard: import("sharelock").Sharelock<import("express").Request, import("express").Response>;',
  secret: 'declare const secret: string;',
  identify: 'declare const identify: (req: import("express").Request) => import("sharelock").Identity | undefined;',
  createUser: 'declare function createUser(body: unknown): Promise<{ id: string }>;',
  accountId: 'declare const accountId: string;',
  checkout: 'declare const checkout: { metadata: { sharelockDevice: string } };',
  id: 'declare const id: string;',
  deviceId: 'declare const deviceId: string;',
  otherDeviceId: 'declare const otherDeviceId: string;',
  code: 'declare const code: string;',
  sessions: 'declare const sessions: { revoke(id: string): void };',
  seen: 'declare function seen(id: string): Promise<boolean>;',
  revokeSession: 'declare function revokeSession(id: unknown): Promise<void>;',
  crm: 'declare const crm: { converted(...args: unknown[]): Promise<void> };',
  url: 'declare const url: string;',
  webhookSecret: 'declare const webhookSecret: string;',
  myDb: 'declare const myDb: { get(ip: string): import("sharelock").Location | undefined };',
};
/** The signed-in user the fragments' `req.user` reads, as Passport would declare it. */
const USER = `declare global { namespace Express { interface User { id: string; email: string; role?: string; team?: { id: string; seats: number } } interface Request { user?: User } } }`;

interface Block {
  section: string;
  line: number;
  code: string;
}

function tsBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  let section = '';
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heading = /^##+ (.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!;
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ section, line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** `name` is bound by the block itself (imported, declared or a parameter), so the context must not declare it. */
function binds(code: string, name: string): boolean {
  return new RegExp(`\\b(import|const|let|class|function)\\b[^\\n=]*\\b${name}\\b`).test(code) || new RegExp(`\\(\\s*\\{?[^)\\n]*\\b${name}\\b[^)\\n]*\\)\\s*=>`).test(code);
}

function fragmentFile(block: Block): string {
  const context = Object.entries(CONTEXT)
    .filter(([name, line]) => new RegExp(`\\b${name}\\b`).test(block.code) && !binds(block.code, name) && line)
    .map(([, line]) => line);
  return `${block.code}\n\n// The section's context:\n${context.join('\n')}\n${USER}\nexport {};\n`;
}

function compile(files: string[]): void {
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', rootDir: '.', skipLibCheck: true, experimentalDecorators: true, emitDecoratorMetadata: true, types: ['node'] };
  writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', DIR], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    expect.fail(String((error as { stdout?: string }).stdout ?? error));
  }
}

async function answering(base: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await fetch(base);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the README', function () {
  this.timeout(120_000);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = tsBlocks(readme);
  const programs = FRAMEWORKS.map((name) => blocks.find((block) => block.section === name));

  before(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('has a complete program under each framework heading, compiling as pasted', () => {
    expect(programs.map((block) => block && block.section)).to.deep.equal([...FRAMEWORKS]);
    const files = programs.map((block) => {
      const file = `${block!.section.toLowerCase()}.ts`;
      writeFileSync(join(DIR, file), block!.code);
      return file;
    });
    compile(files);
  });

  for (const name of FRAMEWORKS) {
    it(`runs the ${name} program: two devices watch, the third is challenged`, async () => {
      const port = await freePort();
      const base = `http://localhost:${port}`;
      const child = spawn(process.execPath, [join(DIR, 'out', `${name.toLowerCase()}.js`)], { cwd: DIR, env: { ...process.env, PORT: String(port), NODE_ENV: 'development' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      try {
        await answering(base, Date.now() + 30_000);
        const answers = [];
        for (let n = 0; n < 3; n++) {
          // Nest's example signs in with a header (its stand-in auth guard); the others with a session.
          const device = new Device(base, name === 'NestJS' ? { authorization: 'Bearer alice', accept: 'text/html' } : { accept: 'text/html' });
          if (name !== 'NestJS') expect((await device.request('/login')).status, output).to.be.within(301, 303);
          const watch = await device.request('/watch/1');
          answers.push(watch.status === 200 ? `200 ${await watch.text()}` : `${watch.status} ${watch.headers.get('location')?.replace(/[\w-]{22}$/, '{id}')}`);
        }
        expect(answers.map((answer) => answer.replace(/ \(allow\)$/, '')), output).to.deep.equal(['200 Now playing 1', '200 Now playing 1', '303 /sharelock/challenge/{id}']);
      } finally {
        child.kill('SIGTERM');
      }
    });
  }

  it('type-checks every other TypeScript block in the context of its section', () => {
    const fragments = blocks.filter((block) => !programs.includes(block));
    expect(fragments.length).to.be.greaterThan(8);
    const files = fragments.map((block) => {
      const file = `fragment-${block.line}.ts`;
      writeFileSync(join(DIR, file), fragmentFile(block));
      return file;
    });
    compile(files);
  });
});
