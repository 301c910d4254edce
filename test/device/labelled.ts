import { readFileSync } from 'node:fs';
import { DEVICE_TYPES, type DeviceType } from '../../src/model.js';
import type { AgentHeaders } from '../../src/device/agent.js';

/** One row of test/fixtures/user-agents/labelled.json (its `about` names the sources and licences). */
export interface LabelledAgent {
  ua: string;
  hints?: Record<string, string>;
  /** Finer than `type`: desktop, phone, tablet, ereader, tv, set-top-box, console, handheld-console, watch, headset, car, appliance, bot, attack. */
  kind: string;
  /** The type under the default options (consoles → tv). */
  type: DeviceType;
  source: string;
  split: 'tuning' | 'held-out';
}

export function loadLabelled(): LabelledAgent[] {
  // From dist/test/device/ (compiled) the repository root is three levels up.
  const url = new URL('../../../test/fixtures/user-agents/labelled.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { rows: LabelledAgent[] }).rows;
}

export function headersOf(row: LabelledAgent): AgentHeaders {
  const h = row.hints ?? {};
  return {
    userAgent: row.ua,
    ...(h['sec-ch-ua-mobile'] !== undefined ? { mobile: h['sec-ch-ua-mobile'] } : {}),
    ...(h['sec-ch-ua-platform'] !== undefined ? { platform: h['sec-ch-ua-platform'] } : {}),
    ...(h['sec-ch-ua-model'] !== undefined ? { model: h['sec-ch-ua-model'] } : {}),
    ...(h['sec-ch-ua-form-factors'] !== undefined ? { formFactors: h['sec-ch-ua-form-factors'] } : {}),
  };
}

export interface ClassScore {
  type: DeviceType;
  total: number;
  right: number;
  accuracy: number;
}

/** Per-class accuracy (share of each labelled class typed right) over `rows`, with `typeOf` the classifier. */
export function scoreByClass(rows: readonly LabelledAgent[], typeOf: (row: LabelledAgent) => DeviceType): { classes: ClassScore[]; overall: number; wrong: Array<{ row: LabelledAgent; got: DeviceType }> } {
  const wrong: Array<{ row: LabelledAgent; got: DeviceType }> = [];
  const classes = DEVICE_TYPES.map((type) => ({ type, total: 0, right: 0, accuracy: 0 }));
  for (const row of rows) {
    const got = typeOf(row);
    const score = classes.find((c) => c.type === row.type)!;
    score.total++;
    if (got === row.type) score.right++;
    else wrong.push({ row, got });
  }
  for (const c of classes) c.accuracy = c.total === 0 ? 1 : c.right / c.total;
  return { classes, overall: (rows.length - wrong.length) / Math.max(rows.length, 1), wrong };
}
