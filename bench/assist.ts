// Assisted conflict resolution, measured (docs/assist.md, bench/README.md): writes a seeded trace of
// conflicts from simulated restaurants, replays it through the Suggester in this process, scoring
// each suggestion before the person's choice is revealed, and prints the report.
//   node bench/assist.ts --seed 1 --restaurants 16 --conflicts 150 [--trace-out bench/out/assist-trace.jsonl]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Suggester } from '../packages/server/src/assist/index.ts';
import { evaluate, formatReport, summarize } from './assist/prequential.ts';
import { generateTrace, type TraceEntry } from './assist/trace.ts';

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    restaurants: { type: 'string', default: '16' },
    conflicts: { type: 'string', default: '150' },
    noise: { type: 'string', default: '0.05' },
    notice: { type: 'string', default: '1' },
    threshold: { type: 'string', default: '0.9' },
    learning: { type: 'string', default: 'on' },
    // Model settings as JSON, e.g. '{"beta":1}' (packages/server/src/assist/probit-model.ts).
    model: { type: 'string', default: '{}' },
    'trace-out': { type: 'string' },
    'trace-in': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const seed = Number(opts.seed);
const threshold = Number(opts.threshold);
const trace: TraceEntry[] = opts['trace-in']
  ? readFileSync(opts['trace-in'], 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TraceEntry)
  : generateTrace({
      seed,
      restaurants: Number(opts.restaurants),
      conflictsPerRestaurant: Number(opts.conflicts),
      noise: Number(opts.noise),
    });
if (opts['trace-out']) {
  mkdirSync(dirname(opts['trace-out']), { recursive: true });
  writeFileSync(opts['trace-out'], `${trace.map((e) => JSON.stringify(e)).join('\n')}\n`);
}

let now = 0;
const suggester = new Suggester({ threshold, learning: opts.learning !== 'off', now: () => now, model: JSON.parse(opts.model) });
const started = performance.now();
const scored = await evaluate(
  trace,
  {
    suggest: (conflict) => suggester.suggest(conflict),
    record: (decision) => suggester.record(decision),
    setTime: (ms) => {
      now = ms;
    },
  },
  { notice: Number(opts.notice), seed },
);
const elapsed = performance.now() - started;
const report = summarize(scored, threshold);
if (opts.json) {
  console.log(JSON.stringify({ report, stats: suggester.stats() }, null, 2));
} else {
  console.log(formatReport(report));
  console.log('');
  console.log(`Suggester counters: ${JSON.stringify(suggester.stats())}`);
  console.log(
    `${trace.length} conflicts in ${(elapsed / 1000).toFixed(2)} s (${((1000 * elapsed) / trace.length).toFixed(0)} µs per suggest + record)`,
  );
}
