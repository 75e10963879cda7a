// Assisted conflict resolution, measured through a real server (docs/assist.md, bench/README.md):
// the same seeded trace as bench/assist.ts, replayed over the protocol against a `staff-sync serve`
// process on PostgreSQL with CONFLICT_STRATEGY=assisted: several signed-in people per restaurant
// (tokens with their restaurant, name and job), each conflict made for real (bench/assist/
// live-resolver.ts), each suggestion scored before the person's choice is sent back as `resolves`.
//   node bench/assist-live.ts --seed 1 --restaurants 16 --conflicts 150
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import { TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import postgres from 'postgres';
import { LiveResolver } from './assist/live-resolver.ts';
import { evaluate, formatReport, summarize } from './assist/prequential.ts';
import { generateTrace } from './assist/trace.ts';

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    restaurants: { type: 'string', default: '16' },
    conflicts: { type: 'string', default: '150' },
    noise: { type: 'string', default: '0.05' },
    notice: { type: 'string', default: '1' },
    threshold: { type: 'string', default: '0.9' },
    json: { type: 'boolean', default: false },
  },
});

const seed = Number(opts.seed);
const threshold = Number(opts.threshold);
const trace = generateTrace({
  seed,
  restaurants: Number(opts.restaurants),
  conflictsPerRestaurant: Number(opts.conflicts),
  noise: Number(opts.noise),
});

const database = await createTestDatabase('assist_live');
const server = await startServerProcess({
  env: {
    DATABASE_URL: database.url,
    CONFLICT_STRATEGY: 'assisted',
    ASSIST_CONFIDENCE: String(threshold),
    // The replay takes seconds, not the trace's weeks: an applied suggestion nobody corrects
    // counts as accepted at the restaurant's next conflict (a correction always comes before it).
    ASSIST_IMPLICIT_ACCEPT_MS: '0',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    USER_RATE_LIMIT_PER_SECOND: '100000',
    USER_RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  },
});
const sql = postgres(database.url, { max: 2, onnotice: () => {} });
// The trace's times, moved so that its last conflict is a minute ago: the server sees real times.
const shiftMs = Date.now() - 60_000 - Math.max(...trace.map((e) => e.at));
const resolver = new LiveResolver({ wsUrl: server.wsUrl, secret: TEST_JWT_SECRET, sql, shiftMs });
const started = performance.now();
try {
  const scored = (await evaluate(trace, resolver, { notice: Number(opts.notice), seed })).filter(
    (s) => !Number.isNaN(s.confidence),
  );
  const elapsed = performance.now() - started;
  const report = summarize(scored, threshold);
  if (opts.json) {
    console.log(JSON.stringify({ report, skipped: resolver.skipped }, null, 2));
  } else {
    console.log(formatReport(report));
    console.log('');
    console.log(
      `${scored.length} of ${trace.length} conflicts replayed through the server in ${(elapsed / 1000).toFixed(1)} s ` +
        `(${(elapsed / trace.length).toFixed(1)} ms each, setup writes included); ${resolver.skipped.length} skipped:`,
    );
    const why = new Map<string, number>();
    for (const s of resolver.skipped) why.set(s.why.slice(0, 90), (why.get(s.why.slice(0, 90)) ?? 0) + 1);
    for (const [reason, n] of why) console.log(`  ${n} x ${reason}`);
  }
} finally {
  await resolver.close();
  await server.stop();
  await sql.end({ timeout: 1 });
  await database.drop();
}
