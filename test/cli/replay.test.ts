import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAccessLog, type LabLog } from '../../bench/detection/log.js';
import type { ReplayReport } from '../../src/cli/replay.js';
import { sharelock } from './run.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36';
const line = (minute: number, account: string, device: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({ time: new Date(Date.UTC(2026, 2, 2, 18, minute)).toISOString(), account, device, userAgent: CHROME, ip: '203.0.113.10', ...more });

describe('sharelock replay', function () {
  this.timeout(180_000);
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'sharelock-replay-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('on the detection lab\'s month, played with nobody answering a challenge', () => {
    let lab: LabLog;
    let report: ReplayReport;

    before(async () => {
      lab = await labAccessLog({ accounts: 17, seed: 1 });
      const log = file('lab.jsonl', lab.lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const run = await sharelock(['replay', log, '--json']);
      expect(run.stderr).to.equal('');
      expect(run.code).to.equal(0);
      report = JSON.parse(run.stdout) as ReplayReport;
    });

    it('replays every request', () => {
      expect(lab.decisions.length).to.be.greaterThan(1000);
      expect(report.invalid.count).to.equal(0);
      expect(report.requests).to.equal(lab.decisions.length);
      expect(report.accounts.seen).to.equal(new Set(lab.lines.map((l) => l.account)).size);
      expect(report.devices.seen).to.equal(new Set(lab.lines.map((l) => l.device)).size);
    });

    it('totals the verdicts the core gave in-process', () => {
      const verdicts = { allow: 0, challenge: 0, logout: 0, suspended: 0, deny: 0 };
      for (const d of lab.decisions) verdicts[d.verdict]++;
      expect(verdicts.challenge, 'the month challenges someone').to.be.greaterThan(0);
      expect(report.verdicts).to.deep.equal(verdicts);
      const opened = new Set(lab.decisions.flatMap((d) => (d.decision.verdict.kind === 'challenge' ? [d.decision.verdict.challenge.id] : [])));
      expect(report.challenges.opened).to.equal(opened.size);
    });

    it('challenges the accounts the core challenged, for the same checks', () => {
      const byAccount = new Map<string, Set<string>>();
      for (const { identity, decision } of lab.decisions) {
        if (decision.verdict.kind !== 'challenge') continue;
        const checks = byAccount.get(identity.id) ?? new Set<string>();
        for (const r of decision.verdict.reasons) if (!r.monitor) checks.add(r.check);
        byAccount.set(identity.id, checks);
      }
      expect(report.challenged.map((a) => a.account)).to.have.members([...byAccount.keys()]);
      for (const a of report.challenged) expect(a.checks, a.account).to.deep.equal([...byAccount.get(a.account)!].sort());
      const byCheck: Record<string, number> = {};
      for (const checks of byAccount.values()) for (const c of checks) byCheck[c] = (byCheck[c] ?? 0) + 1;
      expect(report.accounts.byCheck).to.deep.equal(byCheck);
      expect(report.accounts.challenged).to.equal(byAccount.size);
    });
  });

  describe('the example log (examples/access-log.jsonl)', () => {
    it('challenges Bob for impossible travel and Carol for her third device, and not Alice', async () => {
      const run = await sharelock(['replay', 'examples/access-log.jsonl', '--json']);
      expect(run.code).to.equal(0);
      const report = JSON.parse(run.stdout) as ReplayReport;
      expect(report.requests).to.equal(15);
      expect(report.verdicts).to.deep.include({ allow: 12, challenge: 3 });
      expect(report.challenged.map((a) => [a.account, a.checks])).to.deep.equal([['acct_carol', ['device_count']], ['acct_bob', ['impossible_travel']]]);
      expect(report.challenges).to.deep.equal({ opened: 2, byKind: { device_limit: 1, verify: 1 } });
    });

    it('prints a summary for people', async () => {
      const run = await sharelock(['replay', 'examples/access-log.jsonl']);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.match(/Replayed 15 requests .*preset default/);
      expect(run.stdout).to.match(/accounts\s+3 seen, 2 would be challenged \(66\.7 %\)/);
      expect(run.stdout).to.match(/impossible_travel\s+1/);
      expect(run.stderr, 'no progress bar off a terminal').to.equal('');
    });

    it('follows --preset and --config', async () => {
      const config = file('two.json', JSON.stringify({ limits: { devices: 1 } }));
      const run = await sharelock(['replay', 'examples/access-log.jsonl', '--config', config, '--preset', 'lenient', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as ReplayReport;
      expect(report.preset).to.equal('lenient');
      // One device each: Alice's phone is now one too many (Carol's own limits still say two).
      expect(report.challenged.find((a) => a.account === 'acct_alice')?.checks).to.deep.equal(['device_count']);
    });

    it('reads policies from a .mjs config', async () => {
      const config = file('monitor.mjs', 'export default { policies: (defaults) => defaults.map((p) => ({ ...p, action: "monitor" })) };\n');
      const run = await sharelock(['replay', 'examples/access-log.jsonl', '--config', config, '--json']);
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as ReplayReport;
      expect(report.verdicts.challenge).to.equal(0);
      expect(report.accounts.monitoredByCheck).to.deep.equal({ device_count: 1, impossible_travel: 1 });
    });
  });

  describe('bad input', () => {
    it('skips bad lines, counting them and naming their line numbers', async () => {
      const log = file('bad.jsonl', [
        line(0, 'a', 'd1'),
        '{"time":',
        '',
        line(1, 'a', 'd1', { ip: 'not-an-ip' }),
        JSON.stringify({ account: 'a', device: 'd1', userAgent: '', ip: '203.0.113.1' }),
        line(2, 'a', 'd2', { location: { lat: 91, lon: 0 } }),
        line(3, 'a', 'd1'),
        line(2, 'a', 'd1'),
        line(4, 'a', 'd1', { extra: 'ignored' }),
      ].join('\n') + '\n');
      const run = await sharelock(['replay', log, '--json']);
      expect(run.code).to.equal(0);
      const report = JSON.parse(run.stdout) as ReplayReport;
      expect(report.lines).to.equal(8);
      expect(report.requests).to.equal(3);
      expect(report.invalid.count).to.equal(5);
      expect(report.invalid.lines.map((l) => l.line)).to.deep.equal([2, 4, 5, 6, 8]);
      expect(report.invalid.lines[1]!.error).to.match(/`ip` "not-an-ip"/);
      expect(report.invalid.lines[2]!.error).to.match(/`time` is missing/);
      expect(report.invalid.lines[3]!.error).to.match(/`location.lat`/);
      expect(report.invalid.lines[4]!.error).to.match(/earlier than the line before.*sort the log by time/);
      const human = await sharelock(['replay', log]);
      expect(human.stdout).to.match(/5 of 8 lines skipped:\n {2}line 2: not JSON/);
    });

    it('exits with 2 on usage errors, naming what is wrong', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['replay'], /missing required argument 'file'/],
        [['replay', 'examples/access-log.jsonl', '--preset', 'loose'], /Allowed choices are lenient, default, strict/],
        [['replay', join(dir, 'nope.jsonl')], /Cannot read .*nope\.jsonl: no such file/],
        [['replay', 'examples/access-log.jsonl', '--config', file('typo.json', '{"limit":{"devices":2}}')], /--config: SHARELOCK_E_OPTION_UNKNOWN.*`limit`/],
        [['replay', 'examples/access-log.jsonl', '--config', file('secret.json', '{"secret":"x"}')], /sets `secret`, which the replay sets itself/],
        [['replay', 'examples/access-log.jsonl', '--config', file('broken.json', '{')], /not valid JSON/],
        [['accounts', '--redis', 'redis://127.0.0.1:1', '--top', '0'], /--top must be a whole number from 1 to 10000/],
        [['accounts'], /required option '--redis <url>' not specified/],
        [['frobnicate'], /unknown command 'frobnicate'/],
      ];
      for (const [args, message] of cases) {
        const run = await sharelock(args);
        expect(run.code, args.join(' ')).to.equal(2);
        expect(run.stderr, args.join(' ')).to.match(message);
        expect(run.stdout, args.join(' ')).to.equal('');
      }
    });

    it('shows help with examples, and exits with 0', async () => {
      for (const command of ['replay', 'accounts', 'account']) {
        const run = await sharelock([command, '--help']);
        expect(run.code).to.equal(0);
        expect(run.stdout).to.match(/Examples:\n {2}\$ sharelock /);
      }
      expect((await sharelock(['--version'])).stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    });
  });
});
