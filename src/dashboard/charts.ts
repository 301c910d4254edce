import { html, type SafeHtml } from '../http/html.js';

/**
 * Charts as inline SVG drawn on the server: no script, nothing from a CDN, nothing for the CSP to
 * allow. Colours come from the stylesheet (classes), so dark and light both work. Each chart is
 * decorative next to the table that carries the same numbers (`aria-hidden`).
 */

const round = (n: number) => Math.round(n * 10) / 10;

/** Horizontal bars, one per item, with the value at the end of each bar. */
export function bars(items: ReadonlyArray<{ label: string; value: number }>, format: (n: number) => string = String): SafeHtml {
  const rowHeight = 26;
  const labelWidth = 140;
  const width = 460;
  const max = Math.max(1, ...items.map((i) => i.value));
  const height = items.length * rowHeight + 4;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" aria-hidden="true" focusable="false">${items.map((item, n) => {
    const y = n * rowHeight + 2;
    const w = round(((width - labelWidth - 60) * item.value) / max);
    return html`<text class="label" x="${labelWidth - 8}" y="${y + 18}" text-anchor="end">${item.label}</text><rect class="bar s${n % 6}" x="${labelWidth}" y="${y + 4}" width="${Math.max(w, item.value > 0 ? 2 : 0)}" height="${rowHeight - 8}" rx="3"></rect><text class="value" x="${labelWidth + w + 6}" y="${y + 18}">${format(item.value)}</text>`;
  })}</svg>`;
}

/** Vertical columns over days (one series), with the first and last day and the maximum labelled. */
export function columns(days: ReadonlyArray<{ day: string; value: number }>, format: (n: number) => string = String): SafeHtml {
  const width = 460;
  const height = 150;
  const bottom = 24;
  const top = 18;
  const max = Math.max(...days.map((d) => d.value), 0);
  const step = days.length > 0 ? width / days.length : width;
  const scale = max > 0 ? (height - bottom - top) / max : 0;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" aria-hidden="true" focusable="false"><line class="axis" x1="0" y1="${height - bottom}" x2="${width}" y2="${height - bottom}"></line>${days.map((d, n) => {
    const h = round(d.value * scale);
    return d.value > 0 ? html`<rect class="bar s0" x="${round(n * step + step * 0.15)}" y="${round(height - bottom - h)}" width="${round(step * 0.7)}" height="${h}" rx="2"></rect>` : '';
  })}${max > 0 ? html`<text class="value" x="4" y="12">max ${format(max)}</text>` : html`<text class="value" x="4" y="12">nothing yet</text>`}${days.length > 0 ? html`<text class="label" x="0" y="${height - 6}">${days[0]!.day}</text><text class="label" x="${width}" y="${height - 6}" text-anchor="end">${days[days.length - 1]!.day}</text>` : ''}</svg>`;
}

/** One row per device: a bar from first to last seen, over the period from `from` to `to`. */
export function timeline(rows: ReadonlyArray<{ label: string; from: number; to: number; kind: string }>, from: number, to: number): SafeHtml {
  const rowHeight = 26;
  const labelWidth = 190;
  const width = 700;
  const span = Math.max(1, to - from);
  const height = rows.length * rowHeight + 26;
  const x = (t: number) => round(labelWidth + ((width - labelWidth - 8) * (Math.min(to, Math.max(from, t)) - from)) / span);
  return html`<svg class="chart timeline" viewBox="0 0 ${width} ${height}" aria-hidden="true" focusable="false">${rows.map((r, n) => {
    const y = n * rowHeight;
    const x1 = x(r.from);
    return html`<text class="label" x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${r.label}</text><rect class="bar ${r.kind}" x="${x1}" y="${y + 5}" width="${Math.max(4, x(r.to) - x1)}" height="${rowHeight - 10}" rx="3"></rect>`;
  })}<line class="axis" x1="${labelWidth}" y1="${height - 22}" x2="${width - 8}" y2="${height - 22}"></line><text class="label" x="${labelWidth}" y="${height - 6}">${new Date(from).toISOString().slice(0, 10)}</text><text class="label" x="${width - 8}" y="${height - 6}" text-anchor="end">${new Date(to).toISOString().slice(0, 16).replace('T', ' ')}</text></svg>`;
}
