import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import { type Browser, closeModal, editFromList, eventually, launchBrowser, recordErrors, row } from './support/browser.ts';

/**
 * With sign-in on, the page takes its token from the URL fragment; the token names the person for
 * presence and decides the role. A change the server refuses shows the failure toast with the
 * reason and goes back to what the server has.
 */
describe('sign-in and a refused change, in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  const errors: string[][] = [];
  const restaurant = 'restaurant-web-test';

  beforeAll(async () => {
    const [dist, launched] = await Promise.all([buildApp(), launchBrowser()]);
    browser = launched;
    server = await startServerProcess({ env: { STATIC_DIR: dist, AUTH_JWT_SECRET: TEST_JWT_SECRET } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    expect(errors.flat()).toEqual([]);
  });

  const open = async (token: string): Promise<Page> => {
    const page = await browser.context.newPage();
    errors.push(recordErrors(page));
    await page.goto(`${server.url}/#token=${token}`);
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
    return page;
  };

  it('an editor adds; a viewer sees it, is named in presence, and a change of theirs is refused with the reason', async () => {
    const editor = await open(await hs256Token({ restaurant, role: 'editor', name: '店長 山本' }));
    // The token left the address bar.
    expect(new URL(editor.url()).hash).toBe('');
    await editor.getByTestId('staff-management-button').click();
    await editor.getByTestId('add-staff-button').click();
    await editor.getByTestId('staff-name').fill('小林 葵');
    await editor.getByTestId('input-position').fill('ホール');
    await editor.getByTestId('save-button').click();
    await editor.getByTestId('toast').getByText('小林 葵を追加しました').waitFor();
    await closeModal(editor);

    const viewer = await open(await hs256Token({ restaurant, role: 'viewer', name: '閲覧 者' }));
    await row(viewer, '小林 葵').waitFor();
    await editFromList(viewer, '小林 葵');
    // Presence carries the token's name.
    await row(editor, '小林 葵').getByTestId('editing-badge').getByText('閲覧 者が編集中').waitFor();

    await viewer.getByTestId('input-position').fill('ホール長');
    await viewer.getByTestId('save-button').click();
    await viewer.getByTestId('toast').getByText('スタッフの更新に失敗しました: 変更する権限がありません').waitFor();
    expect(await viewer.getByTestId('toast').filter({ hasText: 'スタッフの更新に失敗しました' }).getAttribute('data-kind')).toBe(
      'error',
    );
    await closeModal(viewer);
    // Back to what the server has, here and there.
    await eventually(() => row(viewer, '小林 葵').getByTestId('staff-position').textContent(), 'ホール', 10_000, 'viewer');
    expect(await row(editor, '小林 葵').getByTestId('staff-position').textContent()).toBe('ホール');
    // Another restaurant's manager sees none of this one's staff.
    const other = await open(await hs256Token({ restaurant: 'another-restaurant', role: 'editor', name: '他店' }));
    await other.getByTestId('staff-empty').waitFor();
    expect(await other.getByTestId('member-name').count()).toBe(0);
  });
});
