// The schedule screen in Chromium (docs/web.md, "The schedule screen"; targets in docs/design.md):
// 1. render: a roster of 40 members x the period's days (every cell filled): the time from choosing
//    the period to the frame that shows its grid mounted (40 rows x its days, before the cells
//    arrive), to the frame with every cell filled (adds the SHIFT_SYNC_REQUEST round trip and a
//    render of every row), and from the language switch to its frame (every row renders again);
// 2. repaint: rows rendered in B when one cell changes (the app's render counter, `?bench`); a bulk
//    change of every cell of the period from another screen: sent -> all painted in B, and in how
//    many DOM updates (MutationObserver callbacks; one = one frame);
// 3. latency: a symbol key pressed in browser A -> the cell painted in browser B, over N edits.
// Two Debian Chromium processes, each window in front; one clock (performance.timeOrigin + now()).
// Run: node bench/schedule-render.ts [--edits 40] [--renders 10] [--bulks 6]. Prints one JSON object on stdout.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import type { Page } from 'playwright-core';
import { buildApp } from '../apps/web/test/support/app-build.ts';
import { front, launchBrowser, openApp } from '../apps/web/test/support/browser.ts';

const { values: opts } = parseArgs({
  options: {
    edits: { type: 'string', default: '40' },
    renders: { type: 'string', default: '10' },
    bulks: { type: 'string', default: '6' },
  },
});
const EDITS = Number(opts.edits);
const RENDERS = Number(opts.renders);
const BULKS = Number(opts.bulks);

declare global {
  interface Window {
    __scheduleRenders?: { rows: number };
    __keys?: number[];
    __painted?: Map<string, number>;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted.at(-1) as number),
    min: round(sorted[0] as number),
  };
}

/** Milliseconds from `act` (run in the page) to the frame after each of `done` became true, in order. */
async function timeToFrames(page: Page, act: string, done: string[]): Promise<number[]> {
  return page.evaluate(
    ([actText, doneTexts]) =>
      new Promise<number[]>((resolve) => {
        const checks = (doneTexts as string[]).map((t) => new Function(`return (${t})`) as () => boolean);
        const times: number[] = [];
        const start = performance.now();
        let next = 0;
        const observer = new MutationObserver(() => {
          while (next < checks.length && (checks[next] as () => boolean)()) {
            const at = next++;
            requestAnimationFrame(() => {
              const channel = new MessageChannel();
              channel.port1.onmessage = () => {
                times[at] = performance.now() - start;
                if (times.filter((t) => t !== undefined).length === checks.length) resolve(times);
              };
              channel.port2.postMessage(null);
            });
          }
          if (next === checks.length) observer.disconnect();
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        new Function(actText as string)();
      }),
    [act, done] as const,
  );
}

const [dist, browserA, browserB] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
const server = await startServerProcess({ args: ['--sample'], env: { STATIC_DIR: dist } });
try {
  // 28 more members (40 in all), every cell of the period filled.
  const writer = await TestClient.connect(server.wsUrl);
  const roster = await writer.sync();
  if (!roster.payload.full) throw new Error('expected a full roster');
  const periodIndex = roster.payload.period as number;
  const period = roster.payload.periods.find((p) => p.index === periodIndex) as { startDate: string; endDate: string };
  const dates: string[] = [];
  for (
    let d = new Date(`${period.startDate}T00:00:00Z`);
    d.toISOString().slice(0, 10) <= period.endDate;
    d.setUTCDate(d.getUTCDate() + 1)
  )
    dates.push(d.toISOString().slice(0, 10));
  const ids: string[] = [];
  for (let i = 0; i < 28; i++) {
    const id = randomUUID();
    ids.push(id);
    const reply = await writer.request('STAFF_CREATE', {
      id,
      name: `計測 ${i}`,
      position: 'ホール',
      department: 'ホール',
      status: 'パート',
    });
    if (reply.type !== 'ACK') throw new Error(`create: ${JSON.stringify(reply.payload)}`);
  }
  const scheduleData = Object.fromEntries(
    ids.map((id, i) => [id, Object.fromEntries(dates.map((d, j) => [d, (i + j) % 3 ? '○' : '×']))]),
  );
  const bulk = await writer.request('SHIFT_BULK_UPDATE', { periodIndex, scheduleData });
  if (bulk.type !== 'ACK') throw new Error(`bulk: ${JSON.stringify(bulk.payload)}`);

  const a = await openApp(browserA, `${server.url}`, 'editor');
  const b = await openApp(browserB, `${server.url}`, 'watcher', (p) => p.on('pageerror', (e) => console.error(e)));
  await b.goto(`${server.url}/?user=watcher&bench=1`);
  const rowsDone = `document.querySelectorAll('[data-testid="staff-row"]').length === 40 && document.querySelectorAll('[data-testid="cell"][data-value]').length >= ${40 * dates.length}`;
  await b.waitForFunction(rowsDone, undefined, { timeout: 30_000 });

  // 1. Render: away to another period and back (the grid of the period, filled); the language switch.
  const other = periodIndex > 0 ? periodIndex - 1 : periodIndex + 1;
  const choose = (index: number) =>
    `const s = document.querySelector('[data-testid="period-select"]'); const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set; set.call(s, '${index}'); s.dispatchEvent(new Event('change', { bubbles: true }));`;
  const mountRender: number[] = [];
  const periodRender: number[] = [];
  const languageRender: number[] = [];
  await front(b);
  for (let i = 0; i < RENDERS; i++) {
    await b.evaluate(choose(other));
    await b.waitForFunction(`document.querySelector('[data-testid="period-select"]').value === '${other}'`);
    await b.waitForTimeout(200);
    const [mounted, filled] = await timeToFrames(b, choose(periodIndex), [
      `document.querySelectorAll('[data-testid="staff-row"]').length === 40 && document.querySelector('[data-testid="day-header"]')?.getAttribute('data-date') === '${period.startDate}'`,
      rowsDone,
    ]);
    mountRender.push(mounted as number);
    periodRender.push(filled as number);
    await b.waitForTimeout(200);
    const before = await b.evaluate(() => document.documentElement.lang);
    const [switched] = await timeToFrames(b, `document.querySelector('[data-testid="language-switch"]').click()`, [
      `document.documentElement.lang !== '${before}'`,
    ]);
    languageRender.push(switched as number);
    await b.waitForTimeout(200);
  }

  // 2. Repaint: one cell changed by someone else renders one row.
  const target = ids[5] as string;
  const rowsBefore = (await b.evaluate(() => window.__scheduleRenders?.rows)) as number;
  const change = await writer.request('SHIFT_UPDATE', { staffId: target, dateKey: dates[3], shiftValue: '⊘' });
  if (change.type !== 'ACK') throw new Error(`update: ${JSON.stringify(change.payload)}`);
  await b.waitForFunction(
    ([id, date]) => document.querySelector(`[data-staff-id="${id}"] [data-date="${date}"]`)?.getAttribute('data-value') === '⊘',
    [target, dates[3]],
  );
  await b.waitForTimeout(300);
  const rowsRendered = ((await b.evaluate(() => window.__scheduleRenders?.rows)) as number) - rowsBefore;

  // 2b. A bulk change of the whole period (40 x the days, one SHIFT_BULK_UPDATE from another
  // screen): send -> every cell painted in B, and in how many DOM updates (frames) it arrived.
  const everyone = (await b
    .getByTestId('staff-row')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-staff-id')))) as string[];
  const bulkMs: number[] = [];
  const bulkAckMs: number[] = [];
  const bulkUpdates: number[] = [];
  for (let i = 0; i < BULKS; i++) {
    const value = i % 2 === 0 ? '×' : null;
    await b.evaluate((expected) => {
      const w = window as unknown as { __bulk: { updates: number; done: number } };
      w.__bulk = { updates: 0, done: 0 };
      const all = () =>
        [...document.querySelectorAll('[data-testid="cell"]')].every((c) => c.getAttribute('data-value') === expected);
      const observer = new MutationObserver((records) => {
        if (!records.some((r) => r.attributeName === 'data-value')) return;
        w.__bulk.updates++;
        if (!all()) return;
        observer.disconnect();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            w.__bulk.done = performance.timeOrigin + performance.now();
          };
          channel.port2.postMessage(null);
        });
      });
      observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-value'] });
    }, value);
    const scheduleData = Object.fromEntries(everyone.map((id) => [id, Object.fromEntries(dates.map((d) => [d, value]))]));
    const sentAt = performance.timeOrigin + performance.now();
    const reply = await writer.request('SHIFT_BULK_UPDATE', { periodIndex, scheduleData });
    if (reply.type !== 'ACK') throw new Error(`bulk: ${JSON.stringify(reply.payload)}`);
    bulkAckMs.push(performance.timeOrigin + performance.now() - sentAt);
    await b.waitForFunction(() => (window as unknown as { __bulk: { done: number } }).__bulk.done > 0, undefined, {
      timeout: 10_000,
    });
    const bulk = (await b.evaluate(() => (window as unknown as { __bulk: { updates: number; done: number } }).__bulk)) as {
      updates: number;
      done: number;
    };
    bulkMs.push(bulk.done - sentAt);
    bulkUpdates.push(bulk.updates);
    await b.waitForTimeout(300);
  }
  await writer.close();

  // 3. Latency: A presses a symbol key on a cell; B stamps the frame that shows it.
  const member = ids[0] as string;
  const date = dates[10] as string;
  await b.evaluate(
    ([id, d]) => {
      const stamp = () => performance.timeOrigin + performance.now();
      window.__painted = new Map();
      const painted = window.__painted;
      let n = 0;
      let last = document.querySelector(`[data-staff-id="${id}"] [data-date="${d}"]`)?.getAttribute('data-value');
      const observer = new MutationObserver(() => {
        const value = document.querySelector(`[data-staff-id="${id}"] [data-date="${d}"]`)?.getAttribute('data-value');
        if (value === last) return;
        last = value;
        n++;
        const at = n;
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => painted.set(`${at}`, stamp());
          channel.port2.postMessage(null);
        });
      });
      observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-value'] });
    },
    [member, date],
  );
  await a.evaluate(() => {
    window.__keys = [];
    document.addEventListener('keydown', () => window.__keys?.push(performance.timeOrigin + performance.now()), {
      capture: true,
    });
  });
  await front(a);
  await a.locator(`[data-staff-id="${member}"] [data-date="${date}"]`).click();
  const latency: number[] = [];
  for (let i = 1; i <= EDITS; i++) {
    await a.keyboard.press(i % 2 ? 'x' : 'u');
    await b.waitForFunction((n) => (window.__painted?.get(String(n)) ?? 0) > 0, i, { polling: 10, timeout: 10_000 });
    const pressed = (await a.evaluate(() => window.__keys?.at(-1))) as number;
    const painted = (await b.evaluate((n) => window.__painted?.get(String(n)), i)) as number;
    latency.push(painted - pressed);
    await a.locator('[data-testid="pending-count"]').waitFor({ state: 'detached' });
    await a.waitForTimeout(100);
  }
  console.log(
    JSON.stringify(
      {
        grid: { members: 40, days: dates.length },
        periodSwitchToMountedGridMs: summary(mountRender),
        periodSwitchToFilledGridMs: summary(periodRender),
        languageSwitchToPaintMs: summary(languageRender),
        rowsRenderedForOneRemoteCell: rowsRendered,
        bulkOfWholePeriod: {
          cells: 40 * dates.length,
          sendToAckMs: summary(bulkAckMs),
          sendToAllPaintedMs: summary(bulkMs),
          domUpdatesPerBulk: bulkUpdates,
        },
        keyToPaintInOtherBrowserMs: summary(latency),
        at: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
} finally {
  await browserA.close();
  await browserB.close();
  await server.stop();
}
