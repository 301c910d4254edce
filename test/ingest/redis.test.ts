import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createSharelock, type Identity, type RequestLike, type Sharelock } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { FakeClock } from '../support/clock.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { CHROME_WINDOWS, pageView } from './support.js';

const browser = (cookie?: string): RequestLike => ({ method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost', 'user-agent': CHROME_WINDOWS, ...(cookie ? { cookie } : {}) }, remoteAddress: '203.0.113.7', https: false });

describe('ingest on Redis: two app servers share what events record', () => {
  let redis: RedisServer;
  let client: Redis;
  const guards: Sharelock<Identity>[] = [];
  before(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(guards.map((g) => g.close()));
    client.disconnect();
    await redis.stop();
  });

  it("counts an ingested device on the other server, and keeps a cookie device's pending logout", async () => {
    const clock = new FakeClock();
    const prefix = `ingest-${Date.now()}:`;
    const make = () => {
      const guard = createSharelock<Identity>({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: (req) => req, limits: { devices: 2 }, store: new RedisStore({ client, prefix }), now: clock.now, logger: { warn: () => {}, error: () => {} }, ingest: { enabled: false, countEventDevices: true } });
      guards.push(guard);
      return guard;
    };
    const [a, b] = [make(), make()];
    const owner = { id: 'acct', email: 'owner@example.com' };

    // A browser on server B, then the account's phone through the pipeline on server A.
    const first = await b.decide(browser(), owner);
    const cookie = first.setCookie!.slice(0, first.setCookie!.indexOf(';'));
    expect(only(await a.ingest(pageView('acct', 'phone', clock.now())))).to.deep.include({ status: 'recorded', verdict: 'allow' });
    expect((await b.devices('acct')).filter((d) => d.status === 'attached')).to.have.length(2);
    // A third device on B is over the limit the phone filled.
    expect((await b.decide(browser(), owner)).verdict.kind).to.equal('challenge');

    // The owner logs the browser out on B; an event naming its cookie reaches A first.
    await b.kick('acct', first.deviceId!);
    const value = cookie.slice(cookie.indexOf('=') + 1);
    expect(only(await a.ingest(pageView('acct', 'x', clock.now(), { context: { device: { id: value } } })))).to.deep.include({ verdict: 'logout', cookieDevice: true });
    expect((await b.decide(browser(cookie), owner)).verdict.kind).to.equal('logout');
  });
});

function only<T>(report: { results: T[] }): T {
  expect(report.results).to.have.length(1);
  return report.results[0]!;
}
