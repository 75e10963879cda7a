import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import {
  addMember,
  type Browser,
  closeModal,
  editFromList,
  eventually,
  front,
  launchBrowser,
  openApp,
  recordErrors,
  row,
} from './support/browser.ts';

/**
 * Two people edit the same field of the same member from forms opened at the same version. The
 * server's default strategy (merge) refuses the second with CONFLICT; its tab shows both values
 * and the person's choice is what everyone, and the database, ends up with.
 */
describe('a conflict in a real browser', () => {
  let db: DriverServer;
  let browser: Browser;
  const errors: string[][] = [];
  let tab1: Page;
  let tab2: Page;
  let staffId: string;

  beforeAll(async () => {
    const [dist, launched] = await Promise.all([buildApp(), launchBrowser()]);
    browser = launched;
    db = await serverOn('pglite', 'web-conflict', { env: { STATIC_DIR: dist } });
    const open = (user: string) => openApp(browser, db.server.url, user, (p) => errors.push(recordErrors(p)));
    tab1 = await open('花子');
    tab2 = await open('次郎');
    staffId = await addMember(tab1, { name: '鈴木 一郎', position: 'ホール' });
    await closeModal(tab1);
    await row(tab2, '鈴木 一郎').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await db?.cleanup();
    expect(errors.flat()).toEqual([]);
  });

  it('shows both values field by field, and the chosen one ends up in both tabs and in the database', async () => {
    // Both forms open on version 1.
    await editFromList(tab1, '鈴木 一郎');
    await editFromList(tab2, '鈴木 一郎');

    // Tab 1 saves first.
    await front(tab1);
    await tab1.getByTestId('input-position').fill('ホール長');
    await tab1.getByTestId('save-button').click();
    await tab1.getByTestId('toast').getByText('鈴木 一郎を更新しました').waitFor();

    // Tab 2's form does not jump: its input keeps what it had, and the change is listed above it.
    await tab2.getByTestId('remote-change-position').getByText('職位: ホール長').waitFor();
    expect(await tab2.getByTestId('input-position').inputValue()).toBe('ホール');

    // Tab 2 saves the same field from version 1: CONFLICT, and the dialog.
    await front(tab2);
    await tab2.getByTestId('input-position').fill('副店長');
    await tab2.getByTestId('save-button').click();
    const dialog = tab2.getByTestId('conflict-dialog');
    await dialog.getByTestId('conflict-row-position').waitFor();
    expect(await dialog.getByTestId('conflict-position-mine-value').textContent()).toBe('副店長');
    expect(await dialog.getByTestId('conflict-position-current-value').textContent()).toBe('ホール長');
    expect(await dialog.getByTestId('conflict-row-name').count()).toBe(0);
    // Tab 1 never saw a conflict.
    expect(await tab1.getByTestId('conflict-dialog').isVisible()).toBe(false);

    // The person keeps their own value, by keyboard: the radio, then Enter on the save button.
    await dialog.getByTestId('conflict-position-current').check();
    await dialog.getByTestId('conflict-position-mine').focus();
    await tab2.keyboard.press('Space');
    expect(await dialog.getByTestId('conflict-position-mine').isChecked()).toBe(true);
    await dialog.getByTestId('conflict-save').focus();
    await tab2.keyboard.press('Enter');
    await dialog.getByTestId('conflict-row-position').waitFor({ state: 'detached' });
    await tab2.getByTestId('toast').getByText('鈴木 一郎を更新しました').waitFor();

    for (const tab of [tab1, tab2]) {
      await eventually(() => row(tab, '鈴木 一郎').getByTestId('staff-position').textContent(), '副店長', 10_000, 'position');
    }
    await closeModal(tab1);
    await closeModal(tab2);
    await tab2.locator('[data-testid="pending-count"]').waitFor({ state: 'detached' });

    // The database: PGlite allows one process per folder, so the server steps aside to be read.
    await db.server.stop();
    const [member] = await db.query<{ position: string; version: number }>('select position, version from staff where id = $1', [
      staffId,
    ]);
    expect(member).toEqual({ position: '副店長', version: 3 });
    // Written twice in all: tab 1's change and the resolution; the refused attempt wrote nothing.
    const changes = await db.query<{ n: number }>(
      "select count(*)::int as n from staff_sync_changes where staff_id = $1 and op = 'STAFF_UPDATE'",
      [staffId],
    );
    expect(changes[0]?.n).toBe(2);
  });
});
