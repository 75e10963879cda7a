import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { postgresAvailable } from '@staff-sync/test-support/services';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import { type Browser, eventually, front, launchBrowser, openApp, recordErrors, row } from './support/browser.ts';

/**
 * The old app's path into the schedule: a whole-document `UPDATE schedules SET schedule_data = …`
 * with SQL reaches both browsers as the cells it changed. The restaurant starts empty, and the
 * empty screen's sample button fills it. Needs PostgreSQL (the embedded database allows one
 * process per folder, so nothing else could write while the server runs).
 */
const available = await postgresAvailable();

describe.skipIf(!available)('the schedule and a SQL write of the old app, in two browsers (PostgreSQL)', () => {
  let db: DriverServer;
  let browsers: Browser[] = [];
  const errors: string[][] = [];
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    const [dist, first, second] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
    browsers = [first, second];
    db = await serverOn('postgres', 'web_schedule', { env: { STATIC_DIR: dist } });
    a = await openApp(first, db.server.url, '花子', (p) => errors.push(recordErrors(p)));
    b = await openApp(second, db.server.url, '次郎', (p) => errors.push(recordErrors(p)));
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await db?.cleanup();
    expect(errors.flat()).toEqual([]);
  });

  it('the empty screen offers the sample restaurant; loading it fills both browsers', async () => {
    await b.getByTestId('staff-empty').waitFor();
    await front(a);
    await a.getByTestId('load-sample').click();
    await a.getByTestId('toast').getByText('サンプルの店舗を読み込みました（12名）').waitFor();
    for (const page of [a, b]) {
      await eventually(() => page.getByTestId('staff-row').count(), 12, 15_000, 'rows');
      await row(page, '山田 太郎').locator('[data-testid="cell"][data-value]').first().waitFor();
    }
  });

  it('an UPDATE of schedules.schedule_data reaches both browsers as the cells it changed', async () => {
    const staffId = (await row(a, '松本 裕子').getAttribute('data-staff-id')) as string;
    const dates = (await a
      .getByTestId('day-header')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-date')))) as string[];
    const [first, second] = [dates[1] as string, dates[2] as string];
    // As the old app writes: read the whole document, change two cells, write it all back.
    const [doc] = await db.query<{ id: string; schedule_data: Record<string, Record<string, string>> }>(
      'select id, schedule_data from schedules where schedule_data ? $1',
      [staffId],
    );
    if (!doc) throw new Error('no schedule document holds the member');
    const data = doc.schedule_data;
    data[staffId] = { ...data[staffId], [first]: '◎', [second]: '休日出勤' };
    await db.query('update schedules set schedule_data = $1 where id = $2', [data, doc.id]);
    for (const page of [a, b]) {
      const cell = (date: string) => row(page, '松本 裕子').locator(`[data-testid="cell"][data-date="${date}"]`);
      await eventually(
        async () => [await cell(first).getAttribute('data-value'), await cell(second).getAttribute('data-value')],
        ['◎', '休日出勤'],
        15_000,
        'the SQL write on screen',
      );
    }
  });
});
