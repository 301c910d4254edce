/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|NaN))$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"/g;
const COMMENT = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reader of the Prometheus text format (version 0.0.4): every line must be a HELP, a TYPE
 * or a sample, every sample must belong to a declared family, and values must be numbers.
 */
export class Exposition {
  readonly samples: Sample[] = [];
  readonly types = new Map<string, string>();

  constructor(text: string) {
    if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
    for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
      if (line === '') continue;
      const comment = COMMENT.exec(line);
      if (comment) {
        if (comment[1] === 'TYPE') {
          if (!TYPES.has(comment[3]!)) throw new Error(`line ${i + 1}: unknown type ${comment[3]}`);
          this.types.set(comment[2]!, comment[3]!);
        }
        continue;
      }
      const sample = SAMPLE.exec(line);
      if (!sample) throw new Error(`line ${i + 1} is not a sample: ${JSON.stringify(line)}`);
      const [, name, labelText, value] = sample;
      const family = [...this.types.keys()].find((f) => name === f || (/^(.*)_(bucket|sum|count)$/.exec(name!)?.[1] === f && this.types.get(f) === 'histogram'));
      if (!family) throw new Error(`line ${i + 1}: sample ${name} has no TYPE`);
      const labels: Record<string, string> = {};
      for (const [, key, text] of (labelText ?? '').matchAll(LABEL)) labels[key!] = text!;
      this.samples.push({ name: name!, labels, value: Number(value) });
    }
  }

  /** The value of the one sample with this name and these labels (a subset); throws when there is none. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length !== 1) throw new Error(`${found.length} samples for ${name} ${JSON.stringify(labels)}`);
    return found[0]!.value;
  }

  /** The sum of every sample with this name and these labels (0 when there is none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
  }
}
