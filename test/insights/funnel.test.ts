import { expect } from 'chai';
import { dayOf, daysBetween, dayTtlMs, startOfDay } from '../../src/insights/day.js';
import { dayFigures, totalOf } from '../../src/insights/funnel.js';

const DAY = 86_400_000;
const TTL = 30 * 60_000;

describe('insights days and figures', () => {
  it('names days in UTC, whatever the time of day', () => {
    expect(dayOf(Date.UTC(2026, 0, 5, 0, 0))).to.equal('2026-01-05');
    expect(dayOf(Date.UTC(2026, 0, 5, 23, 59, 59, 999))).to.equal('2026-01-05');
    expect(dayOf(Date.UTC(2026, 0, 6))).to.equal('2026-01-06');
    expect(daysBetween('2025-12-30', '2026-01-02')).to.deep.equal(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(daysBetween('2024-02-28', '2024-03-01')).to.deep.equal(['2024-02-28', '2024-02-29', '2024-03-01']);
    for (const bad of ['2026-02-30', '2026-1-5', '26-01-05', '0099-01-01', '']) expect(startOfDay(bad), bad).to.equal(undefined);
    expect(dayTtlMs('2026-01-05', Date.UTC(2026, 0, 5, 12))).to.equal(12 * 3_600_000 + 400 * DAY);
  });

  it('derives abandoned challenges from those opened and answered once the day is closed, and shows the rest as open before', () => {
    const counts = { 'ch:device_limit:created': 10, 'ch:device_limit:newAccount': 3, 'ch:device_limit:ownerCompleted': 2, 'ch:device_limit:loggedOut': 1, 'ch:device_limit:expired': 1, 'ch:verify:created': 2 };
    const open = dayFigures('2026-01-05', counts, Date.UTC(2026, 0, 5, 18), TTL);
    expect(open.byKind.device_limit).to.deep.include({ abandoned: 1, open: 3 });
    expect(open.byKind.verify).to.deep.include({ abandoned: 0, open: 2 });
    expect(open.challenges).to.deep.include({ created: 12, abandoned: 1, open: 5 });
    const closed = dayFigures('2026-01-05', counts, Date.UTC(2026, 0, 6) + TTL, TTL);
    expect(closed.byKind.device_limit).to.deep.include({ abandoned: 4, open: 0 });
    expect(closed.challenges).to.deep.include({ abandoned: 6, open: 0 });
  });

  it('sums revenue per currency exactly, and never shows a negative or unknown count', () => {
    const day = (d: string, counts: Record<string, number>) => dayFigures(d, counts, Date.UTC(2027, 0, 1), TTL);
    const rows = [day('2026-01-05', { cv: 2, 'rev:EUR': 199_800 }), day('2026-01-06', { cv: 1, 'rev:EUR': 99_900, 'rev:JPY': 12_000_000 }), day('2026-01-07', { cv: -3, 'ch:verify:created': Number.NaN })];
    expect(rows[0]!.revenue).to.deep.equal({ EUR: 19.98 });
    const totals = totalOf(rows);
    expect(totals.revenue).to.deep.equal({ EUR: 29.97, JPY: 1200 });
    expect(totals.conversions).to.equal(3);
    expect(totals.challenges.created).to.equal(0);
  });
});
