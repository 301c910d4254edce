import type { Counter, Histogram, Metric, Registry } from 'prom-client';
import { SharelockError, show } from '../errors.js';
import type { Sharelock, Stats } from '../sharelock.js';
import type { VerdictKind } from '../verdict.js';
import { promClient } from './prom.js';

export interface MetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  register?: Registry;
  /** Prepended to every metric name, e.g. to tell two guards apart on one register. Default `'sharelock_'`. */
  prefix?: string;
  /** Upper bounds of the store latency histogram's buckets, in seconds. Default 0.5 ms to 2.5 s (`STORE_BUCKETS`). */
  storeBuckets?: number[];
}

export interface SharelockMetrics {
  readonly register: Registry;
  /** Stop counting: unsubscribes from the guard and removes these metrics from the register. */
  close(): void;
}

/** Store latency buckets, in seconds: a Redis round trip is well under a millisecond; the default `storeTimeoutMs` is 1 s. */
export const STORE_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

const VERDICTS: readonly VerdictKind[] = ['allow', 'challenge', 'logout', 'suspended', 'deny'];
const CHALLENGE_KINDS = ['verify', 'device_limit'] as const;
const OUTCOMES = ['owner', 'new_account', 'logged_out', 'failed', 'expired'] as const;
const KNOWN: { [K in keyof Required<MetricsOptions>]: true } = { register: true, prefix: true, storeBuckets: true };

/**
 * Prometheus metrics for one guard, through prom-client (an optional peer dependency, loaded only
 * here). Counters the core already keeps (verdicts, cache hits, webhooks) are read from
 * `guard.stats()` when Prometheus scrapes, so the cached hot path pays nothing more than the
 * increment it always paid; challenges and conversions come from the guard's events, store
 * latency from `guard.timeStore()`.
 * @example
 * import { collectMetrics, metricsHandler } from 'sharelock/metrics';
 * const metrics = collectMetrics(guard);
 * app.get('/metrics', metricsHandler(metrics.register));
 */
export function collectMetrics(guard: Sharelock, options: MetricsOptions = {}): SharelockMetrics {
  const prom = promClient();
  const { register, prefix, buckets } = resolveMetricsOptions(options, prom.register);
  const metrics: Metric[] = [];
  const add = <M extends Metric>(metric: M): M => (metrics.push(metric), metric);
  const name = (suffix: string) => `${prefix}${suffix}`;
  try {
    // Read from the guard's own counters at scrape time: reset, then set to the current total.
    const fromStats = (suffix: string, help: string, read: (stats: Stats) => number) =>
      add(new prom.Counter({ name: name(suffix), help, registers: [register], collect(this: Counter) {
        this.reset();
        this.inc(read(guard.stats()));
      } }));
    add(new prom.Counter({ name: name('decisions_total'), help: 'Protected requests decided, by verdict (cached allows included).', labelNames: ['verdict'], registers: [register], collect(this: Counter<'verdict'>) {
      const stats = guard.stats();
      this.reset();
      for (const verdict of VERDICTS) this.inc({ verdict }, stats[verdict]);
    } }));
    fromStats('cache_hits_total', 'Decisions answered from the verdict cache, with no store call.', (s) => s.cacheHits);
    fromStats('cache_misses_total', 'Decisions the verdict cache could not answer (judged with the store).', (s) => s.cacheMisses);
    fromStats('identify_failures_total', 'identify() calls that threw or returned a malformed identity (each request was let through).', (s) => s.identifyFailures);
    add(new prom.Counter({ name: name('policy_matches_total'), help: 'Decisions a policy matched, enforcing or monitoring, by policy name.', labelNames: ['policy'], registers: [register], collect(this: Counter<'policy'>) {
      const { policies } = guard.stats();
      this.reset();
      for (const [policy, count] of Object.entries(policies)) this.inc({ policy }, count);
    } }));
    add(new prom.Gauge({ name: name('monitored_accounts'), help: 'Distinct accounts a monitoring policy matched: who would be challenged (counted up to 100 000).', registers: [register], collect() {
      this.set(guard.stats().monitoredAccounts);
    } }));

    const duration: Histogram<'operation'> = add(new prom.Histogram({ name: name('store_duration_seconds'), help: 'Store calls by operation, failed ones included (a timeout lasts storeTimeoutMs).', labelNames: ['operation'], buckets, registers: [register] }));
    const failures: Counter<'operation'> = add(new prom.Counter({ name: name('store_failures_total'), help: 'Store calls that failed or exceeded storeTimeoutMs, by operation (each handled by storeFailure).', labelNames: ['operation'], registers: [register] }));

    const opened: Counter<'kind'> = add(new prom.Counter({ name: name('challenges_opened_total'), help: 'Challenges opened, by kind.', labelNames: ['kind'], registers: [register] }));
    const ended: Counter<'outcome'> = add(new prom.Counter({ name: name('challenges_ended_total'), help: 'Challenges ended, by outcome: owner, new_account, logged_out (completed), failed, expired.', labelNames: ['outcome'], registers: [register] }));
    const conversions: Counter<'reason'> = add(new prom.Counter({ name: name('conversions_total'), help: 'Sharers who signed up or subscribed on their own, by the check that challenged them (none: logged out by the owner).', labelNames: ['reason'], registers: [register] }));
    for (const kind of CHALLENGE_KINDS) opened.inc({ kind }, 0);
    for (const outcome of OUTCOMES) ended.inc({ outcome }, 0);

    fromStats('webhook_deliveries_total', 'Webhook deliveries the receiver accepted (2xx).', () => guard.webhooks.stats().delivered);
    fromStats('webhook_failed_attempts_total', 'Webhook attempts that failed (non-2xx, timeout, connection error); each is retried or dead-lettered.', () => guard.webhooks.stats().failedAttempts);
    fromStats('webhook_dead_letters_total', 'Webhook deliveries that failed every attempt.', () => guard.webhooks.stats().deadLettered);

    const stops = [
      guard.timeStore((operation, ms, ok) => {
        duration.observe({ operation }, ms / 1000);
        if (!ok) failures.inc({ operation });
      }),
      guard.on('challenge.created', ({ kind }) => opened.inc({ kind })),
      guard.on('challenge.completed', ({ resolution }) => ended.inc({ outcome: resolution })),
      guard.on('challenge.failed', () => ended.inc({ outcome: 'failed' })),
      guard.on('challenge.expired', () => ended.inc({ outcome: 'expired' })),
      guard.on('conversion.recorded', ({ reason }) => conversions.inc({ reason: reason ?? 'none' })),
    ];
    let closed = false;
    return {
      register,
      close() {
        if (closed) return;
        closed = true;
        for (const stop of stops) stop();
        for (const metric of metrics) register.removeSingleMetric((metric as unknown as { name: string }).name);
      },
    };
  } catch (error) {
    for (const metric of metrics) register.removeSingleMetric((metric as unknown as { name: string }).name);
    if (error instanceof Error && /already been registered/.test(error.message)) {
      throw new SharelockError('SHARELOCK_E_OPTION_INVALID', `collectMetrics(): ${error.message}. Each guard needs its own \`prefix\` or \`register\`, or close() the previous metrics first.`);
    }
    throw error;
  }
}

function resolveMetricsOptions(options: MetricsOptions, globalRegister: Registry): { register: Registry; prefix: string; buckets: number[] } {
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'pass an object, e.g. { prefix: "sharelock_" }');
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN)) throw new SharelockError('SHARELOCK_E_OPTION_UNKNOWN', `collectMetrics(): unknown option \`${key}\`. Known: ${Object.keys(KNOWN).join(', ')}.`);
  }
  const register = options.register ?? globalRegister;
  if (typeof register?.metrics !== 'function' || typeof register.registerMetric !== 'function') throw invalid('register', register, 'pass a prom-client Registry, e.g. new Registry()');
  const prefix = options.prefix ?? 'sharelock_';
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) throw invalid('prefix', prefix, 'use letters, digits, `_` and `:`, not starting with a digit, e.g. "sharelock_"');
  const buckets = options.storeBuckets ?? [...STORE_BUCKETS];
  if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((b, i) => typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!))) {
    throw invalid('storeBuckets', buckets, 'use increasing positive numbers of seconds, e.g. [0.001, 0.01, 0.1, 1]');
  }
  return { register, prefix, buckets: [...buckets] };
}

const invalid = (option: string, value: unknown, fix: string) => new SharelockError('SHARELOCK_E_OPTION_INVALID', `collectMetrics(): invalid \`${option}\` ${show(value)}: ${fix}.`);
