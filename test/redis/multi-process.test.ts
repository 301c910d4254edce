import { expect } from 'chai';
import { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { RedisStore } from '../../src/stores/redis.js';
import { freePort, startNode } from '../support/process.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

const serverScript = fileURLToPath(new URL('../../examples/express/server.js', import.meta.url));
const DEVICE_COOKIE = 'sl_device';

const AGENTS = {
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
};

/**
 * One browser whose requests land on either of two app servers, as behind a load balancer.
 * sharelock's device cookie is one cookie for the site, whichever server set it. The example
 * keeps its login session in process memory (a real fleet would share it, e.g. connect-redis),
 * so the app's session cookie is kept per server and the device logs in on each server it uses.
 */
class BalancedDevice {
  readonly #jars = new Map<string, Map<string, string>>();
  readonly #shared = new Map<string, string>();

  constructor(readonly userAgent: string) {}

  get deviceCookie(): string | undefined {
    return this.#shared.get(DEVICE_COOKIE);
  }

  async request(base: string, path: string, form?: Record<string, string>): Promise<Response> {
    const jar = this.#jars.get(base) ?? new Map<string, string>();
    this.#jars.set(base, jar);
    const cookies = [...jar, ...this.#shared].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...(cookies ? { cookie: cookies } : {}) };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(path, base), {
      method: form ? 'POST' : 'GET',
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      (name === DEVICE_COOKIE ? this.#shared : jar).set(name, pair.slice(eq + 1).trim());
    }
    return response;
  }

  async login(base: string, user: string): Promise<void> {
    const response = await this.request(base, '/login', { user });
    expect(response.status, `login on ${base}`).to.equal(303);
  }

  /** Open a page and describe the answer: `200`, `303 /logout`, `303 challenge`. */
  async open(base: string, path = '/watch/1'): Promise<string> {
    const response = await this.request(base, path);
    const location = response.headers.get('location');
    await response.arrayBuffer();
    if (!location) return String(response.status);
    return `${response.status} ${location.includes('/sharelock/challenge/') ? 'challenge' : location}`;
  }
}

const field = (html: string, name: string): string => {
  const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
  if (!value) throw new Error(`no ${name} field in:\n${html}`);
  return value;
};

describe('two example app processes sharing one Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let client: Redis;
  let servers: Array<Awaited<ReturnType<typeof startNode>>> = [];
  let a: string;
  let b: string;

  before(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const env = { REDIS_URL: redis.url, SHARELOCK_DEMO: 'off', SHARELOCK_SECRET: 'fleet-test-secret-shared-by-every-server-0123456789', NODE_ENV: 'development' };
    const ports = [await freePort(), await freePort()];
    servers = await Promise.all(ports.map((port) => startNode(serverScript, { ...env, PORT: String(port) }, /listening on/)));
    [a, b] = ports.map((port) => `http://localhost:${port}`) as [string, string];
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    client?.disconnect();
    await redis?.stop();
  });

  it('says it uses Redis when REDIS_URL is set', () => {
    for (const server of servers) expect(server.output()).to.include(`(store: Redis at 127.0.0.1:${redis.port})`);
  });

  it('holds the 2-device limit across both servers while devices alternate between them', async () => {
    const devices = [new BalancedDevice(AGENTS.firefox), new BalancedDevice(AGENTS.chrome), new BalancedDevice(AGENTS.safari)];
    for (const device of devices) {
      await device.login(a, 'fleet-alice');
      await device.login(b, 'fleet-alice');
    }
    const [one, two, three] = devices as [BalancedDevice, BalancedDevice, BalancedDevice];
    expect(await one.open(a)).to.equal('200');
    expect(await one.open(b)).to.equal('200');
    expect(await two.open(b)).to.equal('200');
    expect(await two.open(a)).to.equal('200');
    expect([await three.open(a), await three.open(b)]).to.deep.equal(['303 challenge', '303 challenge']);
    // The first two keep alternating, on the cache or through Redis; the third stays out on both.
    for (let round = 0; round < 3; round++) {
      expect([await one.open(b, '/watch/2'), await two.open(a, '/watch/2'), await one.open(a), await two.open(b)]).to.deep.equal(['200', '200', '200', '200']);
    }
    expect([await three.open(b), await three.open(a)]).to.deep.equal(['303 challenge', '303 challenge']);

    // One truth: the account has exactly the first two devices attached, whichever server saw them.
    const listed = await new RedisStore({ client }).listDevices('fleet-alice');
    expect(listed.map((d) => d.status)).to.deep.equal(['attached', 'attached']);
    expect(listed.map((d) => d.agent.browser).sort()).to.deep.equal(['Chrome', 'Firefox']);
  });

  it('opens the same challenge on either server for the third device', async () => {
    const devices = [new BalancedDevice(AGENTS.firefox), new BalancedDevice(AGENTS.chrome), new BalancedDevice(AGENTS.safari)];
    for (const device of devices) {
      await device.login(a, 'fleet-bea');
      await device.login(b, 'fleet-bea');
      await device.open(device === devices[1] ? b : a);
    }
    const third = devices[2]!;
    const fromA = (await third.request(a, '/watch/1')).headers.get('location');
    const fromB = (await third.request(b, '/watch/1')).headers.get('location');
    expect(fromA).to.match(/^\/sharelock\/challenge\/[\w-]+$/);
    expect(fromB).to.equal(fromA);
    expect((await third.request(b, fromA!)).status).to.equal(200);
  });

  it('logs a device kicked on one server out on the other on its very next request', async () => {
    const owner = new BalancedDevice(AGENTS.firefox);
    const second = new BalancedDevice(AGENTS.chrome);
    const third = new BalancedDevice(AGENTS.safari);
    await owner.login(a, 'fleet-dana');
    await owner.login(b, 'fleet-dana');
    await second.login(a, 'fleet-dana');
    await third.login(a, 'fleet-dana');
    expect(await owner.open(a)).to.equal('200');
    // Server B now holds an allow verdict for the owner's device in its cache.
    expect(await owner.open(b)).to.equal('200');
    expect(await owner.open(b)).to.equal('200');
    expect(await second.open(a)).to.equal('200');

    // The third device is over the limit: on server A, it proves it is the owner and logs the first device out.
    const challenge = (await third.request(a, '/watch/1')).headers.get('location')!;
    expect(challenge).to.match(/^\/sharelock\/challenge\//);
    const intro = await (await third.request(a, challenge)).text();
    expect((await third.request(a, `${challenge}/owner`, { _csrf: field(intro, '_csrf') })).headers.get('location')).to.equal(`${challenge}/verify`);
    const outbox = await (await third.request(a, '/dev/outbox')).text();
    const code = /<code>(\d{6})<\/code> to fleet-dana@example\.com/.exec(outbox)?.[1];
    expect(code, outbox).to.match(/^\d{6}$/);
    const verify = await (await third.request(a, `${challenge}/verify`)).text();
    expect((await third.request(a, `${challenge}/verify`, { _csrf: field(verify, '_csrf'), code: code! })).headers.get('location')).to.equal(`${challenge}/devices`);
    const page = await (await third.request(a, `${challenge}/devices`)).text();
    const item = page.split('<li>').find((li) => li.includes('Firefox'));
    expect(item, page).to.not.equal(undefined);
    const kicked = await third.request(a, `${challenge}/kick`, { _csrf: field(item!, '_csrf'), device: field(item!, 'device') });
    expect(kicked.headers.get('location')).to.equal(`${challenge}/devices?signedOut=${encodeURIComponent(field(item!, 'device'))}`);

    // No waiting: server B heard the kick over pub/sub and the store delivers the pending logout.
    expect(await owner.open(b)).to.equal('303 /logout?reason=owner');
    // The app's session on B was ended with it (onLogout).
    expect(await (await owner.request(b, '/')).text()).to.not.include('Signed in as');
  });
});
