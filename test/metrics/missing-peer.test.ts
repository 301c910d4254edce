import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI } from '../cli/run.js';

/** Node with these optional peers made unfindable, as in an app that did not install them. */
function withoutPeers(peers: string[], args: string[]): Promise<{ code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sharelock-peers-'));
  const hooks = join(dir, 'hooks.mjs');
  const missing = JSON.stringify(peers);
  // ESM imports (the CLI's ioredis) through a resolve hook; require() (prom-client) through Module._resolveFilename.
  writeFileSync(hooks, `export async function resolve(specifier, context, next) {
  if (${missing}.includes(specifier)) throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}
`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';
import Module from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (${missing}.includes(request)) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return original.call(this, request, ...rest);
};
`);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, ...args], (error, _stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: error ? Number(error.code) : 0, stderr });
    });
  });
}

describe('optional peers that are not installed', function () {
  this.timeout(60_000);

  it('collectMetrics() says to install prom-client; the core and sharelock/metrics still load', async () => {
    const script = `import { createSharelock } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/src/index.js')).href)};
import { collectMetrics } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/src/metrics/index.js')).href)};
const guard = createSharelock({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, logger: { warn() {}, error() {} } });
try { collectMetrics(guard); } catch (error) { console.error(error.message); process.exitCode = 3; }
await guard.close();`;
    const run = await withoutPeers(['prom-client'], ['--input-type=module', '-e', script]);
    expect(run.stderr.trim()).to.equal('sharelock/metrics needs prom-client, an optional peer dependency: npm install prom-client@^15');
    expect(run.code).to.equal(3);
  });

  it('sharelock accounts says to install ioredis, and exits with 1; replay needs neither', async () => {
    const accounts = await withoutPeers(['ioredis', 'prom-client'], [CLI, 'accounts', '--redis', 'redis://127.0.0.1:6379']);
    expect(accounts.stderr).to.equal('error: --redis needs ioredis, an optional peer dependency: npm install ioredis@^5\n');
    expect(accounts.code).to.equal(1);
    const replay = await withoutPeers(['ioredis', 'prom-client'], [CLI, 'replay', 'examples/access-log.jsonl', '--json']);
    expect(replay.stderr).to.equal('');
    expect(replay.code).to.equal(0);
  });
});
