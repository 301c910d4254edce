import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { AccountSort } from '../admin/types.js';
import type { Tolerance } from '../policy/presets.js';
import { SharelockError } from '../errors.js';
import { accountsTable, accountText, ConnectionError, topAccounts, withRedisGuard } from './admin.js';
import { loadConfig, UsageError } from './config.js';
import { DEFAULT_MAX_ACCOUNTS, replay, type ReplayReport } from './replay.js';
import { formatNumber, percent, table } from './table.js';

/** Files larger than this get a progress bar (on a terminal). */
const PROGRESS_BYTES = 5 * 1024 * 1024;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const wholeNumber = (name: string, min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
};

const redisOption = () => new Option('--redis <url>', 'the Redis your app\'s RedisStore uses').env('SHARELOCK_REDIS_URL').makeOptionMandatory();
const prefixOption = () => new Option('--prefix <prefix>', 'the RedisStore prefix your app uses').default('sharelock:');

/** The package's version (dist/src/cli/ is three levels below package.json). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function program(): Command {
  const cli = new Command('sharelock')
    .description('Inspect sharelock\'s store, and replay access logs through its policies before turning enforcement on.')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  cli
    .command('accounts')
    .description('The accounts most likely shared, from the admin index, as a table.')
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--top <n>', 'how many accounts', wholeNumber('--top', 1, 10_000), 20)
    .addOption(new Option('--sort <key>', 'order, descending').choices(['score', 'people', 'devices', 'lastSeen']).default('score'))
    .option('--json', 'print the page as JSON, for scripts')
    .addHelpText('after', `
Examples:
  $ sharelock accounts --redis redis://localhost:6379
  $ sharelock accounts --redis "$REDIS_URL" --top 50 --sort people --json | jq '.accounts[].accountId'`)
    .action(async (options: { redis: string; prefix: string; top: number; sort: AccountSort; json?: boolean }) => {
      const page = await withRedisGuard({ url: options.redis, prefix: options.prefix }, (guard) => topAccounts(guard, options.sort, options.top));
      process.stdout.write(options.json ? `${JSON.stringify(page, null, 2)}\n` : `${accountsTable(page, options.sort)}\n`);
    });

  cli
    .command('account')
    .description('One account\'s devices, signals, places, challenges and recent accesses.')
    .argument('<id>', 'the account id, as identify() returns it')
    .addOption(redisOption())
    .addOption(prefixOption())
    .option('--accesses <n>', 'recent accesses to list', wholeNumber('--accesses', 0, 10_000), 20)
    .option('--json', 'print everything as JSON, for scripts')
    .addHelpText('after', `
Examples:
  $ sharelock account acct_42 --redis redis://localhost:6379
  $ sharelock account acct_42 --redis "$REDIS_URL" --json | jq '.devices | length'`)
    .action(async (id: string, options: { redis: string; prefix: string; accesses: number; json?: boolean }) => {
      const detail = await withRedisGuard({ url: options.redis, prefix: options.prefix }, (guard) => guard.admin.account(id));
      process.stdout.write(options.json ? `${JSON.stringify(detail, null, 2)}\n` : `${accountText(detail, options.accesses)}\n`);
    });

  cli
    .command('replay')
    .description('Replay an access log (JSON Lines) through the policies with a fake clock, and report who would be challenged and why.')
    .argument('<file>', 'the access log: one JSON object per line (time, account, device, userAgent, ip, optional location); "-" reads stdin')
    .addOption(new Option('--preset <name>', 'tolerance preset (wins over the config\'s tolerance)').choices(['lenient', 'default', 'strict']))
    .option('--config <file>', 'sharelock options as .json, or a .mjs module exporting them (limits, policies, signals, geo, ...)')
    .option('--max-accounts <n>', 'accounts (and challenges) the replay\'s memory store keeps', wholeNumber('--max-accounts', 1, 100_000_000), DEFAULT_MAX_ACCOUNTS)
    .option('--json', 'print the report as JSON, for scripts')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .addHelpText('after', `
A line:
  {"time":"2026-03-02T19:04:05Z","account":"acct_1","device":"d-7f3a","userAgent":"Mozilla/5.0 ...","ip":"203.0.113.7","location":{"lat":48.86,"lon":2.35,"accuracyKm":20,"country":"FR"}}

Examples:
  $ sharelock replay access.jsonl
  $ sharelock replay access.jsonl --preset strict --config sharelock.json
  $ sharelock replay access.jsonl --json | jq '.accounts.challenged'`)
    .action(async (file: string, options: { preset?: Tolerance; config?: string; maxAccounts: number; json?: boolean; progress: boolean }) => {
      const config = options.config ? await loadConfig(options.config) : undefined;
      const report = await replayFile(file, { ...(config ? { options: config } : {}), ...(options.preset ? { preset: options.preset } : {}), maxAccounts: options.maxAccounts }, options.progress);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${replayText(file, report)}\n`);
    });
  return cli;
}

async function replayFile(file: string, settings: Parameters<typeof replay>[1], progress: boolean): Promise<ReplayReport> {
  const size = file === '-' ? 0 : await stat(file).then((s) => s.size, (error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
  });
  const input = file === '-' ? process.stdin : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const bar = progress && process.stderr.isTTY && size > PROGRESS_BYTES
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'replaying [{bar}] {percentage}% | {lines} lines | eta {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(size, 0, { lines: 0 });
  try {
    return await replay(lines, { ...settings, ...(bar ? { progress: (n: number) => bar.update((input as { bytesRead?: number }).bytesRead ?? 0, { lines: formatNumber(n) }) } : {}) });
  } finally {
    if (bar) {
      bar.update(size);
      bar.stop();
    }
  }
}

function replayText(file: string, r: ReplayReport): string {
  const out: string[] = [];
  const span = r.from ? ` (${r.from.slice(0, 16).replace('T', ' ')}Z → ${r.to!.slice(0, 16).replace('T', ' ')}Z)` : '';
  out.push(`Replayed ${formatNumber(r.requests)} requests from ${file}${span}, preset ${r.preset}. Nobody answered a challenge.`);
  if (r.invalid.count > 0) {
    out.push(`${formatNumber(r.invalid.count)} of ${formatNumber(r.lines)} lines skipped:`);
    for (const bad of r.invalid.lines.slice(0, 10)) out.push(`  line ${bad.line}: ${bad.error}`);
    if (r.invalid.count > 10) out.push(`  ... (--json lists the first ${r.invalid.lines.length})`);
  }
  for (const warning of r.warnings) out.push(`Warning: ${warning}`);
  out.push('');
  out.push(table(['', ''], [
    ['accounts', `${formatNumber(r.accounts.seen)} seen, ${formatNumber(r.accounts.challenged)} would be challenged (${percent(r.accounts.challenged, r.accounts.seen)})`],
    ['devices', formatNumber(r.devices.seen)],
    ['verdicts', Object.entries(r.verdicts).map(([k, n]) => `${k} ${formatNumber(n)}`).join(', ')],
    ['challenges', `${formatNumber(r.challenges.opened)} opened${r.challenges.opened ? `: ${Object.entries(r.challenges.byKind).map(([k, n]) => `${k} ${formatNumber(n)}`).join(', ')}` : ''}`],
  ]).split('\n').slice(1).join('\n'));
  if (r.accounts.challenged > 0) {
    out.push('', 'Accounts challenged, by check (an account counts once per check):');
    out.push(table(['check', 'accounts'], Object.entries(r.accounts.byCheck)).replace(/^/gm, '  '));
  }
  if (Object.keys(r.accounts.monitoredByCheck).length > 0) {
    out.push('', 'Recorded by monitoring policies, not enforced (accounts):');
    out.push(table(['check', 'accounts'], Object.entries(r.accounts.monitoredByCheck)).replace(/^/gm, '  '));
  }
  if (r.challenged.length > 0) {
    const shown = r.challenged.slice(0, 20);
    out.push('', `First challenged accounts (${shown.length} of ${r.challenged.length}${r.challenged.length > shown.length ? '; --json lists all' : ''}):`);
    out.push(table(['account', 'first challenged', 'checks', 'challenges', 'devices', 'requests'], shown.map((a) => [a.account, `${a.firstAt.slice(0, 16).replace('T', ' ')}Z`, a.checks.join(', ') || '—', a.challenges, a.devices, a.requests])).replace(/^/gm, '  '));
  }
  return out.join('\n');
}

/** Run the CLI; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are not errors; commander has already printed what went wrong otherwise.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    // Invalid sharelock options in --config are a usage error too: the message names the option.
    if (error instanceof SharelockError && (error.code === 'SHARELOCK_E_OPTION_UNKNOWN' || error.code === 'SHARELOCK_E_OPTION_INVALID')) {
      process.stderr.write(`error: --config: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConnectionError || error instanceof SharelockError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
