import { expect } from 'chai';
import { identityOf, parseAccessLine, requestOf } from '../../src/cli/access-log.js';
import { replay } from '../../src/cli/replay.js';

const base = { time: '2026-03-02T18:00:00Z', account: 'acct_1', device: 'd1', userAgent: 'UA', ip: '2001:db8::1' };
const error = (line: object | string) => {
  const parsed = parseAccessLine(typeof line === 'string' ? line : JSON.stringify(line));
  return parsed.ok ? undefined : parsed.error;
};

describe('the access-log line format', () => {
  it('reads ISO and epoch-ms times, and ignores fields it does not know', () => {
    const parsed = parseAccessLine(JSON.stringify({ ...base, status: 200 }));
    expect(parsed.ok && parsed.access.at).to.equal(Date.UTC(2026, 2, 2, 18));
    const epoch = parseAccessLine(JSON.stringify({ ...base, time: Date.UTC(2026, 2, 2, 18) }));
    expect(epoch.ok && epoch.access.at).to.equal(Date.UTC(2026, 2, 2, 18));
    expect(error({ ...base, time: '2026-03-02 18:00' })).to.match(/not an ISO 8601 time with a zone/);
    expect(error({ ...base, time: -1 })).to.match(/whole ms since the epoch/);
  });

  it('names the field that is wrong', () => {
    expect(error('[1]')).to.equal('not a JSON object');
    expect(error({ ...base, account: '' })).to.match(/`account` must be a non-empty string/);
    expect(error({ ...base, device: 7 })).to.match(/`device`/);
    expect(error({ ...base, userAgent: undefined })).to.match(/`userAgent` must be a string/);
    expect(error({ ...base, ip: '300.1.1.1' })).to.match(/`ip` "300.1.1.1"/);
    expect(error({ ...base, path: 'watch' })).to.match(/`path` must start with `\/`/);
    expect(error({ ...base, limits: { devices: '2' } })).to.match(/`limits`/);
    expect(error({ ...base, headers: { 'sec-ch-ua-mobile': 1 } })).to.match(/`headers`/);
    expect(error({ ...base, location: { lat: 1 } })).to.match(/both `lat` and `lon`/);
    expect(error({ ...base, location: { country: 'fr' } })).to.match(/`location.country`/);
    expect(error({ ...base, location: { hosting: 'yes' } })).to.match(/`location.hosting`/);
  });

  it('becomes a request from its address, with the device cookie once there is one, and an identity', () => {
    const line = { ...base, plan: 'duo', limits: { devices: 2 }, headers: { 'sec-ch-ua-mobile': '?1' } };
    const request = requestOf(line, 'sl=abc');
    expect(request).to.deep.include({ method: 'GET', path: '/', remoteAddress: '2001:db8::1', https: true });
    expect(request.headers).to.deep.include({ 'user-agent': 'UA', 'sec-ch-ua-mobile': '?1', cookie: 'sl=abc' });
    expect(requestOf(line, undefined).headers).not.to.have.property('cookie');
    expect(identityOf(line)).to.deep.equal({ id: 'acct_1', plan: 'duo', limits: { devices: 2 } });
  });

  it('reports progress every 1 000 lines', async () => {
    async function* lines() {
      for (let i = 0; i < 2500; i++) yield JSON.stringify({ ...base, time: Date.UTC(2026, 2, 2) + i * 1000 });
    }
    const seen: number[] = [];
    const report = await replay(lines(), { progress: (n) => seen.push(n) });
    expect(seen).to.deep.equal([1000, 2000]);
    expect(report).to.deep.include({ lines: 2500, requests: 2500 });
    expect(report.verdicts.allow).to.equal(2500);
    expect(report.warnings).to.deep.equal([]);
  });

  it('warns when the log has more accounts than the store keeps', async () => {
    async function* lines() {
      for (const account of ['a', 'b', 'c']) yield JSON.stringify({ ...base, account });
    }
    const report = await replay(lines(), { maxAccounts: 2 });
    expect(report.warnings).to.have.length(1);
    expect(report.warnings[0]).to.match(/^3 accounts, more than the 2 the store keeps.*Raise --max-accounts\.$/);
  });
});
