import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ShiftChangeEvent } from '@staff-sync/protocol';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { type SilentProxy, silentProxy } from '@staff-sync/test-support/silent-proxy';
import { TestClient } from '@staff-sync/test-support/ws-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import {
  type Browser,
  cell,
  closeModal,
  editFromList,
  eventually,
  front,
  launchBrowser,
  openApp,
  recordErrors,
  recordSent,
  row,
} from './support/browser.ts';

const shown = (page: Page, name: string, date: string) => cell(page, name, date).getAttribute('data-value');
const OFF = new Set(['×', '★', '⊘']);

/**
 * The schedule screen in two Chromium processes against a server started with the sample
 * restaurant (12 members, the current period filled). A reaches the server through a TCP proxy
 * that can cut the network; B connects directly.
 */
describe('the schedule screen in two browsers', () => {
  let server: ServerProcess;
  let proxy: SilentProxy;
  let browsers: Browser[] = [];
  const errors: string[][] = [];
  let a: Page;
  let b: Page;
  let sentByA: ReturnType<typeof recordSent>;
  let dates: string[] = [];

  beforeAll(async () => {
    const [dist, first, second] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
    browsers = [first, second];
    server = await startServerProcess({ args: ['--sample'], env: { STATIC_DIR: dist } });
    proxy = await silentProxy(server.url);
    a = await openApp(first, proxy.url, '花子', (p) => {
      errors.push(recordErrors(p));
      sentByA = recordSent(p);
    });
    b = await openApp(second, server.url, '次郎', (p) => errors.push(recordErrors(p)));
    for (const page of [a, b]) await row(page, '山田 太郎').waitFor();
    dates = (await a.getByTestId('day-header').evaluateAll((els) => els.map((e) => e.getAttribute('data-date')))) as string[];
  });
  afterAll(async () => {
    proxy?.restore();
    for (const browser of browsers) await browser.close();
    await proxy?.close();
    await server?.stop();
    expect(errors.flat()).toEqual([]);
  });

  /** Counts beside a row and under a column agree with the cells B shows. */
  async function countsAgree(page: Page, name: string, date: string): Promise<void> {
    const values = await row(page, name)
      .getByTestId('cell')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    const off = values.filter((v) => v !== null && OFF.has(v)).length;
    const work = values.filter((v) => v !== null && !OFF.has(v)).length;
    expect(await row(page, name).getByTestId('member-off').textContent()).toBe(String(off));
    expect(await row(page, name).getByTestId('member-work').textContent()).toBe(String(work));
    const column = await page
      .locator(`[data-testid="cell"][data-date="${date}"]`)
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    const offThatDay = column.filter((v) => v !== null && OFF.has(v)).length;
    expect(await page.locator(`[data-testid="count-off"][data-date="${date}"]`).textContent()).toBe(String(offThatDay));
  }

  it('a cell set in one browser appears in the other, with who is on it and the counts', async () => {
    expect(dates.length).toBeGreaterThanOrEqual(28);
    const date = dates[2] as string;
    // The grid: rows grouped by department, the days with their weekday marks.
    expect(
      await b.getByTestId('department-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-department'))),
    ).toEqual(['調理', 'ホール', '管理']);
    await front(a);
    await cell(a, '山田 太郎', date).click();
    await cell(b, '山田 太郎', date).getByTestId('cell-presence').getByText('花子').waitFor();
    await a.keyboard.press('f');
    expect(await shown(a, '山田 太郎', date)).toBe('◎');
    await eventually(() => shown(b, '山田 太郎', date), '◎', 10_000, 'B sees ◎');
    await a.keyboard.press('x');
    await eventually(() => shown(b, '山田 太郎', date), '×', 10_000, 'B sees ×');
    await countsAgree(b, '山田 太郎', date);
    // A symbol the member's status may not use is refused before anything is sent (パート: no △).
    await cell(a, '伊藤 大輔', date).click();
    const before = sentByA.types().length;
    await a.keyboard.press('e');
    await a.getByTestId('toast').getByText('1件のセルは設定していません', { exact: false }).waitFor();
    expect(
      sentByA
        .types()
        .slice(before)
        .filter((t) => t.startsWith('SHIFT_')),
    ).toEqual([]);
  });

  it('fills a range in one change, and its undo and redo reach both browsers', async () => {
    const cols = dates.slice(3, 6);
    // Two rows of 社員 one above the other (△ is theirs to use).
    const statuses = await a.getByTestId('staff-row').getByTestId('status-badge').allTextContents();
    const listed = await a.getByTestId('member-name').allTextContents();
    const top = statuses.findIndex((s, i) => s === '社員' && statuses[i + 1] === '社員');
    const names = [listed[top], listed[top + 1]] as string[];
    const read = (page: Page) => Promise.all(names.flatMap((n) => cols.map((d) => shown(page, n, d))));
    const before = await read(b);
    await front(a);
    await cell(a, names[0] as string, cols[0] as string).click();
    await a.keyboard.press('Shift+ArrowRight');
    await a.keyboard.press('Shift+ArrowRight');
    await a.keyboard.press('Shift+ArrowDown');
    const sent = sentByA.types().length;
    await a.keyboard.press('e');
    await eventually(() => read(b), Array(6).fill('△'), 10_000, 'B sees the range');
    expect(
      sentByA
        .types()
        .slice(sent)
        .filter((t) => t.startsWith('SHIFT_')),
    ).toEqual(['SHIFT_BULK_UPDATE']);

    await a.keyboard.press('Control+z');
    await eventually(() => read(b), before, 10_000, 'B sees the undo');
    await eventually(() => read(a), before, 10_000, 'A sees the undo');
    await a.keyboard.press('Control+y');
    await eventually(() => read(b), Array(6).fill('△'), 10_000, 'B sees the redo');

    // B changes one of the cells; A's next undo leaves B's change alone and says so.
    await front(b);
    await cell(b, names[1] as string, cols[2] as string).click();
    await b.keyboard.press('s');
    await eventually(() => shown(a, names[1] as string, cols[2] as string), '●', 10_000, 'A sees B');
    await front(a);
    await a.keyboard.press('Control+z');
    const expected = [...before.slice(0, 5), '●'];
    for (const page of [a, b]) await eventually(() => read(page), expected, 10_000, 'the undo around B');
    await a.getByTestId('toast').getByText('他の人が変更した1件のセルは元に戻していません').waitFor();
  });

  it('the picker offers only the symbols the member may have, and a custom text of 1..20 characters', async () => {
    const date = dates[7] as string;
    await front(a);
    await cell(a, '吉田 彩', date).click();
    await a.keyboard.press('Enter');
    const picker = a.getByTestId('cell-picker');
    const offered = await picker.getByTestId('picker-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(offered).toEqual(['⊘', '○', '×']);
    await picker.getByTestId('picker-custom').fill('あ'.repeat(21));
    await picker.getByTestId('picker-custom-apply').click();
    expect(await picker.getByTestId('picker-custom-error').textContent()).toBe('20文字以内で入力してください');
    await picker.getByTestId('picker-custom').fill('  研修  ');
    await picker.getByTestId('picker-custom').press('Enter');
    await picker.getByTestId('picker-custom').waitFor({ state: 'detached' });
    await eventually(() => shown(b, '吉田 彩', date), '研修', 10_000, 'B sees the custom text');
  });

  it('two people set the same cell at once: the second gets the cell conflict dialog', async () => {
    const date = dates[5] as string;
    proxy.cut();
    await eventually(
      () => a.getByTestId('connection-status').getAttribute('data-status'),
      'reconnecting',
      15_000,
      'A is offline',
    );
    try {
      await front(a);
      await cell(a, '中村 さくら', date).click();
      await a.keyboard.press('h');
      expect(await cell(a, '中村 さくら', date).getAttribute('data-pending')).toBe('true');
      await front(b);
      await cell(b, '中村 さくら', date).click();
      await b.keyboard.press('s');
      await eventually(() => cell(b, '中村 さくら', date).getAttribute('data-pending'), null, 10_000, 'B confirmed');
    } finally {
      proxy.restore();
    }
    const dialog = a.getByTestId('cell-conflict-dialog');
    await dialog.getByTestId('cell-conflict-mine').getByText('★', { exact: false }).waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('cell-conflict-current').textContent()).toContain('●');
    await front(a);
    await dialog.getByTestId('cell-conflict-apply-mine').click();
    for (const page of [a, b]) await eventually(() => shown(page, '中村 さくら', date), '★', 10_000, 'mine applied');
  });

  it('an offline edit is marked until confirmed and sent once after the reconnect', async () => {
    const date = dates[6] as string;
    proxy.cut();
    await eventually(
      () => a.getByTestId('connection-status').getAttribute('data-status'),
      'reconnecting',
      15_000,
      'A is offline',
    );
    try {
      await front(a);
      await cell(a, '小林 陽子', date).click();
      await a.keyboard.press('a');
      expect(await cell(a, '小林 陽子', date).getAttribute('data-pending')).toBe('true');
      await a.getByTestId('pending-count').waitFor();
    } finally {
      proxy.restore();
    }
    await eventually(() => shown(b, '小林 陽子', date), '▣', 30_000, 'B sees it');
    await eventually(() => cell(a, '小林 陽子', date).getAttribute('data-pending'), null, 10_000, 'A confirmed');
    const staffId = (await row(a, '小林 陽子').getAttribute('data-staff-id')) as string;
    const observer = await TestClient.connect(server.wsUrl);
    try {
      const response = await observer.sync({ sinceSeq: 0 });
      if (response.payload.full) throw new Error('expected the change log from seq 0');
      const changes = response.payload.changes.filter(
        (c) => c.type === 'SHIFT_BROADCAST' && c.payload.staffId === staffId && c.payload.dateKey === date,
      ) as ShiftChangeEvent[];
      expect(changes.filter((c) => c.payload.shiftValue === '▣')).toHaveLength(1);
    } finally {
      await observer.close();
    }
  });

  it('a member deleted in the modal leaves the grid in both browsers', async () => {
    await editFromList(a, '山本 翔');
    await a.getByTestId('delete').click();
    await a.getByTestId('confirm-dialog').getByTestId('confirm-ok').click();
    for (const page of [a, b]) await row(page, '山本 翔').waitFor({ state: 'detached' });
    await closeModal(a);
  });

  it('prints 40 members x the period on one A4 landscape page, and exports the CSV', async () => {
    // 29 more members (one was deleted above): 40 rows.
    const writer = await TestClient.connect(server.wsUrl);
    try {
      for (let i = 0; i < 29; i++) {
        const reply = await writer.request('STAFF_CREATE', {
          id: randomUUID(),
          name: `印刷 ${String(i + 1).padStart(2, '0')}`,
          position: 'ホールスタッフ',
          department: 'ホール',
          status: 'パート',
        });
        expect(reply.type).toBe('ACK');
      }
    } finally {
      await writer.close();
    }
    await eventually(() => a.getByTestId('staff-row').count(), 40, 15_000, 'rows');
    await a.emulateMedia({ media: 'print' });
    expect(await a.getByTestId('staff-management-button').isVisible()).toBe(false);
    const pdf = await a.pdf({ format: 'A4', landscape: true, preferCSSPageSize: true });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)).toHaveLength(1);
    await a.emulateMedia({ media: 'screen' });

    await front(a);
    const [download] = await Promise.all([a.waitForEvent('download'), a.getByTestId('csv-export').click()]);
    const text = await readFile((await download.path()) as string, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(['名前', ...dates].join(','));
    expect(lines).toHaveLength(41);
    const nakamura = lines.find((l) => l.startsWith('中村 さくら,'))?.split(',');
    expect(nakamura?.[1 + dates.indexOf(dates[5] as string)]).toBe('★');
  });
});
