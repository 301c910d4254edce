import type { SegmentEvent } from './event.js';

export interface TimeBounds {
  /** Oldest accepted, by the corrected time. */
  maxEventAgeMs: number;
  /** Furthest in the future an event may claim to be. */
  maxClockSkewMs: number;
}

export type EventTime = { ok: true; at: number } | { ok: false; error: 'too_old' | 'in_future'; message: string };

/**
 * When an event happened, by our clock. A pipeline that already corrected it (`receivedAt` set)
 * is trusted; otherwise, as Segment does, the sender's clock is corrected with its own `sentAt`
 * (the event's, else the batch's): `now − (sentAt − originalTimestamp)`. Without `sentAt` the
 * timestamp is taken as is, and with none at all the event happened now. Events older than
 * `maxEventAgeMs` or further than `maxClockSkewMs` in the future are refused; within the skew, a
 * future time counts as now.
 */
export function eventTime(event: SegmentEvent, batchSentAt: string | undefined, now: number, bounds: TimeBounds): EventTime {
  const parse = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : Number.NaN);
  let at: number;
  if (event.receivedAt !== undefined && event.receivedAt !== null) {
    at = firstFinite(parse(event.timestamp), parse(event.originalTimestamp), parse(event.receivedAt)) ?? now;
  } else {
    const happened = firstFinite(parse(event.originalTimestamp), parse(event.timestamp));
    const sentAt = firstFinite(parse(event.sentAt), parse(batchSentAt));
    // An event is never sent before it happened: a negative delay is the clock, not the event.
    if (happened !== undefined && sentAt !== undefined) at = now - Math.max(0, sentAt - happened);
    else at = happened ?? now;
  }
  if (at > now + bounds.maxClockSkewMs) {
    return { ok: false, error: 'in_future', message: `The event is dated ${iso(at)}, more than ${bounds.maxClockSkewMs} ms ahead of the server's clock (ingest.maxClockSkewMs).` };
  }
  if (now - at > bounds.maxEventAgeMs) {
    return { ok: false, error: 'too_old', message: `The event happened at ${iso(at)}, more than ${bounds.maxEventAgeMs} ms ago (ingest.maxEventAgeMs).` };
  }
  return { ok: true, at: Math.min(at, now) };
}

function firstFinite(...values: number[]): number | undefined {
  return values.find((v) => Number.isFinite(v));
}

function iso(at: number): string {
  return Math.abs(at) <= 8.64e15 ? new Date(at).toISOString() : String(at);
}
