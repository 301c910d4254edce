import { performance } from 'node:perf_hooks';
import { UAParser } from 'ua-parser-js';
import { AgentParser } from '../src/device/agent.js';
import { DEVICE_TYPES } from '../src/model.js';
import { headersOf, loadLabelled, scoreByClass, type LabelledAgent } from '../test/device/labelled.js';

// Per-class accuracy of the device-type classifier on the labelled set (tuning and held-out apart),
// and its cost per memoised lookup and per miss.
//   node dist/bench/device-types.js [--failures tuning]   (never look at held-out failures while writing rules)

const rows = loadLabelled();
const failures = process.argv.includes('--failures') ? process.argv[process.argv.indexOf('--failures') + 1] : undefined;
const parser = new AgentParser();
const typeOf = (row: LabelledAgent) => parser.parse(headersOf(row)).type;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
console.log(`| set | ${DEVICE_TYPES.join(' | ')} | all |`);
console.log(`| --- |${' --- |'.repeat(DEVICE_TYPES.length + 1)}`);
for (const split of ['tuning', 'held-out'] as const) {
  const part = rows.filter((r) => r.split === split);
  const { classes, overall, wrong } = scoreByClass(part, typeOf);
  console.log(`| ${split} (${part.length}) | ${classes.map((c) => `${pct(c.accuracy)} (${c.right}/${c.total})`).join(' | ')} | ${pct(overall)} |`);
  if (failures === split) for (const { row, got } of wrong) console.error(`${row.kind}→${got}\t${row.ua}${row.hints ? `\t${JSON.stringify(row.hints)}` : ''}`);
}

// Timing: a miss parses (fresh parser per round, so nothing is memoised); a hit is the memo's lookup.
const headers = rows.map(headersOf);
const ROUNDS = 5;
let missMs = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  const fresh = new AgentParser();
  const start = performance.now();
  for (const h of headers) fresh.parse(h);
  missMs = Math.min(missMs, performance.now() - start);
}
// ua-parser-js@1's own full parse, for scale: the machine's load moves both figures alike.
let referenceMs = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  const start = performance.now();
  for (const h of headers) new UAParser(h.userAgent).getResult();
  referenceMs = Math.min(referenceMs, performance.now() - start);
}
const warm = new AgentParser();
for (const h of headers) warm.parse(h);
const HIT_PASSES = 50;
let hitMs = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  const start = performance.now();
  for (let i = 0; i < HIT_PASSES; i++) for (const h of headers) warm.parse(h);
  hitMs = Math.min(hitMs, performance.now() - start);
}
console.log(`\n${headers.length} header sets; best of ${ROUNDS} rounds`);
console.log(`miss (parse and classify): ${((missMs * 1000) / headers.length).toFixed(1)} µs per lookup`);
console.log(`memoised lookup:           ${((hitMs * 1000) / (headers.length * HIT_PASSES)).toFixed(2)} µs per lookup`);
console.log(`(ua-parser-js getResult() alone, for scale: ${((referenceMs * 1000) / headers.length).toFixed(1)} µs per User-Agent)`);
