import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { postgresAvailable } from '@staff-sync/test-support/services';
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
 * A change written with SQL straight into the database (a console, a migration, the old Supabase
 * path) reaches the open tabs, and a save from a form opened before it does not overwrite it.
 * Needs PostgreSQL: the embedded database takes one process per folder, so nothing else could
 * write while the server runs.
 */
const available = await postgresAvailable();

describe.skipIf(!available)('a SQL write in a real browser (PostgreSQL)', () => {
  let db: DriverServer;
  let browser: Browser;
  const errors: string[][] = [];
  let tab1: Page;
  let tab2: Page;

  beforeAll(async () => {
    const [dist, launched] = await Promise.all([buildApp(), launchBrowser()]);
    browser = launched;
    db = await serverOn('postgres', 'web_sql', { env: { STATIC_DIR: dist } });
    const open = (user: string) => openApp(browser, db.server.url, user, (p) => errors.push(recordErrors(p)));
    tab1 = await open('花子');
    tab2 = await open('次郎');
  });
  afterAll(async () => {
    await browser?.close();
    await db?.cleanup();
    expect(errors.flat()).toEqual([]);
  });

  it('shows the SQL change in every tab, and a stale form saves only what its person changed', async () => {
    const staffId = await addMember(tab1, { name: '伊藤 誠', position: 'ホール' });
    await closeModal(tab1);
    await row(tab2, '伊藤 誠').waitFor();
    // Tab 1's form opens before the SQL write, at version 1.
    await editFromList(tab1, '伊藤 誠');

    await db.query('update staff set position = $1 where id = $2', ['店長代理', staffId]);

    // Both tabs show it, no reload: the lists at once, the open form as a notice beside its draft.
    await eventually(() => row(tab2, '伊藤 誠').getByTestId('staff-position').textContent(), '店長代理', 10_000, 'tab 2');
    await tab1.getByTestId('remote-change-position').getByText('職位: 店長代理').waitFor();
    expect(await tab1.getByTestId('input-position').inputValue()).toBe('ホール');

    // The person renames in the stale form and saves: only the name goes, with version 1; the
    // server merges it (the SQL write touched another field) and the SQL write stays.
    await front(tab1);
    await tab1.getByTestId('staff-name').fill('伊藤 誠司');
    await tab1.getByTestId('save-button').click();
    await tab1.getByTestId('toast').getByText('伊藤 誠司を更新しました').waitFor();
    await closeModal(tab1);
    for (const tab of [tab1, tab2]) {
      await eventually(
        async () => [await row(tab, '伊藤 誠司').getByTestId('staff-position').textContent()],
        ['店長代理'],
        10_000,
        'both changes in the list',
      );
    }
    const [member] = await db.query<{ name: string; position: string; version: number }>(
      'select name, position, version from staff where id = $1',
      [staffId],
    );
    expect(member).toEqual({ name: '伊藤 誠司', position: '店長代理', version: 3 });
    expect(await tab1.getByTestId('conflict-dialog').isVisible()).toBe(false);
  });

  it('a stale form changing the field the SQL write changed gets the conflict dialog, not a silent overwrite', async () => {
    const staffId = await addMember(tab1, { name: '渡辺 栞', position: 'ホール' });
    // The modal stays open on the new member: the form's edit starts at version 1 (once confirmed).
    await eventually(() => tab2.getByTestId('member-name').getByText('渡辺 栞', { exact: true }).count(), 1, 10_000, 'tab 2');
    await db.query('update staff set position = $1 where id = $2', ['キッチン', staffId]);
    await tab1.getByTestId('remote-change-position').waitFor();

    await front(tab1);
    await tab1.getByTestId('input-position').fill('ホール長');
    await tab1.getByTestId('save-button').click();
    const dialog = tab1.getByTestId('conflict-dialog');
    expect(await dialog.getByTestId('conflict-position-current-value').textContent()).toBe('キッチン');
    // The person keeps what the database has.
    await dialog.getByTestId('conflict-keep-current').click();
    await tab1.getByTestId('toast').getByText('渡辺 栞は現在の内容のままです').waitFor();
    await closeModal(tab1);
    expect(await row(tab1, '渡辺 栞').getByTestId('staff-position').textContent()).toBe('キッチン');
    const [member] = await db.query<{ position: string }>('select position from staff where id = $1', [staffId]);
    expect(member?.position).toBe('キッチン');
  });
});
