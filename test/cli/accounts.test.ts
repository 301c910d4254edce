import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createSharelock, type Identity, type Sharelock } from '../../src/index.js';
import type { AccountDetail, AccountPage } from '../../src/admin/types.js';
import { RedisStore } from '../../src/stores/redis.js';
import { freePort } from '../support/process.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { sharelock } from './run.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36';
const PREFIX = 'cliapp:';

describe('sharelock accounts and account, on a real Redis', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let client: Redis;
  let guard: Sharelock<Identity>;

  /** A request of a new device (no cookie) of the account. */
  const newDevice = (id: string) => guard.decide({ method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost', 'user-agent': CHROME }, remoteAddress: '203.0.113.5', https: false }, { id });

  before(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
    guard = createSharelock<Identity>({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: (identity) => identity, store: new RedisStore({ client, prefix: PREFIX }), limits: { devices: 2 }, logger: { warn: () => {}, error: () => {} } });
    // The app's traffic: one quiet account, one with a third device over its limit of two.
    expect((await newDevice('quiet')).verdict.kind).to.equal('allow');
    for (const expected of ['allow', 'allow', 'challenge']) expect((await newDevice('shared')).verdict.kind).to.equal(expected);
    const deadline = Date.now() + 5000;
    while ((await guard.admin.accounts()).total < 2) {
      if (Date.now() > deadline) throw new Error('the admin index was not written');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  after(async () => {
    await guard.close();
    client.disconnect();
    await redis.stop();
  });

  it('lists the account most likely shared first, as the admin API does', async () => {
    const run = await sharelock(['accounts', '--redis', redis.url, '--prefix', PREFIX, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    const page = JSON.parse(run.stdout) as AccountPage;
    expect(page.total).to.equal(2);
    expect(page.accounts.map((a) => a.accountId)).to.deep.equal(['shared', 'quiet']);
    expect(page).to.deep.equal(JSON.parse(JSON.stringify(await guard.admin.accounts({ limit: 20 }))));
    expect(page.accounts[0]!.lastChallenge).to.deep.include({ kind: 'device_limit' });
  });

  it('prints a table for people, and --top limits it', async () => {
    const run = await sharelock(['accounts', '--top', '1'], { env: { SHARELOCK_REDIS_URL: redis.url } });
    expect(run.code, run.stderr).to.equal(0);
    // --prefix defaults to the RedisStore's own, so this store (another prefix) looks empty.
    expect(run.stdout).to.match(/No accounts in the index \(0 in all\)/);
    const prefixed = await sharelock(['accounts', '--top', '1', '--prefix', PREFIX], { env: { SHARELOCK_REDIS_URL: redis.url } });
    expect(prefixed.stdout).to.match(/^account\s+score\s+people\s+devices\s+signals\s+status\s+last seen\s+last challenge\n/);
    expect(prefixed.stdout.split('\n')[1]).to.match(/^shared\s+0\.\d\d\s+1\/1\s+2\/2\s+device_count\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+device_limit created$/);
    expect(prefixed.stdout).to.match(/\n1 of 2 accounts, by score\.\n$/);
  });

  it("shows one account's devices, signals and challenges", async () => {
    const json = await sharelock(['account', 'shared', '--redis', redis.url, '--prefix', PREFIX, '--json']);
    expect(json.code, json.stderr).to.equal(0);
    const detail = JSON.parse(json.stdout) as AccountDetail;
    expect(detail).to.deep.equal(JSON.parse(JSON.stringify(await guard.admin.account('shared'))));
    expect(detail.challenges).to.have.length(1);

    const run = await sharelock(['account', 'shared', '--redis', redis.url, '--prefix', PREFIX]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^Account shared: active, score 0\.\d\d, 1 people \(1 allowed\), 2 of 2 devices/);
    expect(run.stdout).to.match(/Signals at the last judged request:\n\s+check\s+observed\s+threshold\s+policy\n\s+device_count\s+3\s+2\s/);
    expect(run.stdout).to.match(new RegExp(`Devices \\(${detail.devices.length}\\):`));
    expect(run.stdout).to.match(/Challenges \(1\):\n.*\n\s+\S{22}\s+\S+\s+device_limit\s+created\s+device_count/);
  });

  it('exits with 1 when Redis cannot be reached', async () => {
    const run = await sharelock(['accounts', '--redis', `redis://127.0.0.1:${await freePort()}`]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error: Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).to.equal('');
  });
});
