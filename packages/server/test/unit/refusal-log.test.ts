import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { RefusalLog } from '../../src/ops/refusal-log.ts';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  let now = 1_000;
  const metrics = createMetrics();
  const refusals = new RefusalLog(createLogger('info', sink), metrics, { everyMs: 10_000, now: () => now });
  return { lines, metrics, refusals, advance: (ms: number) => (now += ms) };
}

describe('RefusalLog', () => {
  it('counts every refusal and says it at once, then once a window with the count since', async () => {
    const { lines, metrics, refusals, advance } = setup();
    refusals.refused('user', 'r-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, limit: 'user', refused: 1 });
    expect(String(lines[0]?.msg)).toContain('USER_RATE_LIMIT_PER_SECOND');
    for (let i = 0; i < 500; i++) refusals.refused('user', `r-${i % 3}`);
    expect(lines).toHaveLength(1); // within the window: counted, not logged
    advance(10_000);
    refusals.refused('user', 'r-9');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ limit: 'user', refused: 501, restaurants: 4, windowMs: 10_000 });
    // Each limit has its own window: another limit's first refusal is said at once.
    refusals.refused('rate', 'r-1');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ limit: 'rate' });
    const counted = (await metrics.registry.getSingleMetric('staff_sync_rate_limited_total')?.get())?.values;
    expect(counted?.find((v) => v.labels.limit === 'user')?.value).toBe(502);
    expect(counted?.find((v) => v.labels.limit === 'rate')?.value).toBe(1);
  });
});
