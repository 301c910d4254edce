import { randomBytes } from 'node:crypto';
import type { AccountDetail, AccountPage, AccountSort, AccountSummary } from '../admin/types.js';
import { createSharelock, type Sharelock } from '../sharelock.js';
import type { Reason } from '../model.js';
import { formatTime, table } from './table.js';

/** What `--redis` and `--prefix` give the account commands. */
export interface RedisTarget {
  url: string;
  prefix?: string;
}

/** The store could not be reached: the CLI exits with 1. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

/**
 * A guard over the app's Redis store, for the admin API only: it judges no request. ioredis is an
 * optional peer dependency, loaded here and nowhere else in the CLI.
 */
export async function withRedisGuard<T>(target: RedisTarget, run: (guard: Sharelock) => Promise<T>): Promise<T> {
  let Redis: typeof import('ioredis').Redis;
  let stores: typeof import('../stores/redis.js');
  try {
    ({ Redis } = await import('ioredis'));
    stores = await import('../stores/redis.js');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConnectionError('--redis needs ioredis, an optional peer dependency: npm install ioredis@^5');
  }
  const client = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined); // reported by connect() and each command
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new ConnectionError(`Cannot connect to Redis at ${redact(target.url)}: ${(error as Error).message}`);
  }
  const guard = createSharelock({
    secret: randomBytes(32).toString('base64url'),
    identify: () => null,
    store: new stores.RedisStore({ client, ...(target.prefix !== undefined ? { prefix: target.prefix } : {}) }),
    production: false,
    logger: { warn: () => undefined, error: () => undefined },
    storeTimeoutMs: 10_000,
  });
  try {
    return await run(guard);
  } finally {
    await guard.close();
    client.disconnect();
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return JSON.stringify(url);
  }
}

/** The top `top` accounts by `sort`, paging the admin API as needed. */
export async function topAccounts(guard: Sharelock, sort: AccountSort, top: number): Promise<AccountPage> {
  const accounts: AccountSummary[] = [];
  let page = await guard.admin.accounts({ sort, limit: Math.min(top, 500) });
  accounts.push(...page.accounts);
  while (accounts.length < top && page.next) {
    page = await guard.admin.accounts({ sort, limit: Math.min(top - accounts.length, 500), cursor: page.next });
    accounts.push(...page.accounts);
  }
  return { accounts: accounts.slice(0, top), total: page.total, ...(page.next ? { next: page.next } : {}) };
}

const checks = (signals: readonly Reason[]) => [...new Set(signals.map((s) => s.check))].join(', ') || '—';

export function accountsTable(page: AccountPage, sort: AccountSort): string {
  if (page.accounts.length === 0) return `No accounts in the index (${page.total} in all). The index fills as protected requests are judged.`;
  const rows = page.accounts.map((a) => [
    a.accountId,
    a.score.toFixed(2),
    `${a.people}/${a.allowedPeople}`,
    `${a.devices}/${a.deviceLimit}`,
    checks(a.signals),
    a.status,
    formatTime(a.lastSeen),
    a.lastChallenge ? `${a.lastChallenge.kind} ${a.lastChallenge.resolution ?? a.lastChallenge.status}` : '—',
  ]);
  return `${table(['account', 'score', 'people', 'devices', 'signals', 'status', 'last seen', 'last challenge'], rows)}\n\n${page.accounts.length} of ${page.total} accounts, by ${sort}.`;
}

export function accountText(detail: AccountDetail, accesses: number): string {
  const out: string[] = [];
  const s = detail.summary;
  out.push(`Account ${detail.accountId}: ${detail.status}${s ? `, score ${s.score.toFixed(2)}, ${s.people} people (${s.allowedPeople} allowed), ${s.devices} of ${s.deviceLimit} devices, last seen ${formatTime(s.lastSeen)}` : ' (not in the index)'}`);
  out.push('', 'Signals at the last judged request:');
  out.push(detail.signals.length === 0 ? '  none' : table(['check', 'observed', 'threshold', 'policy'], detail.signals.map((r) => [r.check, String(r.observed), String(r.threshold), `${r.policy ?? '—'}${r.monitor ? ' (monitor)' : ''}`])).replace(/^/gm, '  '));
  out.push('', `Devices (${detail.devices.length}):`);
  out.push(detail.devices.length === 0 ? '  none' : table(['device', 'type', 'agent', 'status', 'first seen', 'last seen', 'last ip'], detail.devices.map((d) => [
    d.id,
    d.type,
    [d.agent.browser, d.agent.os, d.agent.model].filter(Boolean).join(' / ') || '—',
    d.status,
    formatTime(d.firstSeen),
    formatTime(d.lastSeen),
    d.lastIp ?? '—',
  ])).replace(/^/gm, '  '));
  if (detail.places.length > 0) {
    out.push('', `Places (${detail.places.length}):`);
    out.push(table(['household', 'network', 'country', 'devices', 'accesses', 'days', 'last seen'], detail.places.map((p) => [p.household, p.network ?? p.networks[0] ?? '—', p.country ?? '—', p.devices.length, p.accesses, p.days, formatTime(p.lastSeen)])).replace(/^/gm, '  '));
  }
  out.push('', `Challenges (${detail.challenges.length}):`);
  out.push(detail.challenges.length === 0 ? '  none' : table(['challenge', 'device', 'kind', 'status', 'reasons', 'opened'], detail.challenges.map((c) => [c.id, c.deviceId, c.kind, c.resolution ? `${c.status} (${c.resolution})` : c.status, checks(c.reasons), formatTime(c.createdAt)])).replace(/^/gm, '  '));
  const recent = detail.accesses.slice(0, accesses);
  out.push('', `Recent accesses (${recent.length} of ${detail.accesses.length}):`);
  out.push(recent.length === 0 ? '  none' : table(['time', 'device', 'ip', 'where', 'page'], recent.map((a) => [
    formatTime(a.at),
    a.deviceId,
    a.ip ?? '—',
    a.location ? [a.location.city, a.location.country].filter(Boolean).join(', ') || `${a.location.lat},${a.location.lon}` : '—',
    a.page ?? '—',
  ])).replace(/^/gm, '  '));
  return out.join('\n');
}
