import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import type { Locator, Page } from 'playwright-core';
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
  names,
  openApp,
  recordErrors,
  recordSent,
  row,
} from './support/browser.ts';

/**
 * The app in Debian's Chromium against a real server process serving the built app, on the
 * embedded database: the plan's scenario and the bugs on record in the app this replaces.
 */
describe('staff management in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  const pages: Page[] = [];
  const errors: string[][] = [];
  const open = async (user: string, before?: (page: Page) => void) => {
    const page = await openApp(browser, server.url, user, (p) => {
      errors.push(recordErrors(p));
      before?.(p);
    });
    pages.push(page);
    return page;
  };

  beforeAll(async () => {
    const [dist, launched] = await Promise.all([buildApp(), launchBrowser()]);
    browser = launched;
    server = await startServerProcess({ env: { STATIC_DIR: dist } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    // No page threw at any point of any test.
    expect(errors.flat()).toEqual([]);
  });

  it("the plan's scenario: add in tab 1, see it; tab 2 opens; rename in tab 1; tab 2 shows it without reload", async () => {
    const tab1 = await open('花子');
    await addMember(tab1, { name: '山田 太郎', position: '料理長' });
    await closeModal(tab1);
    await row(tab1, '山田 太郎').waitFor();
    expect(await row(tab1, '山田 太郎').getByTestId('staff-position').textContent()).toBe('料理長');

    const tab2 = await open('次郎');
    await row(tab2, '山田 太郎').waitFor();
    const navigations: string[] = [];
    tab2.on('framenavigated', (frame) => navigations.push(frame.url()));

    await editFromList(tab1, '山田 太郎');
    await tab1.getByTestId('staff-name').fill('山田 一郎');
    await tab1.getByTestId('save-button').click();
    await tab1.getByTestId('toast').getByText('山田 一郎を更新しました').waitFor();

    await row(tab2, '山田 一郎').waitFor();
    expect(await row(tab2, '山田 太郎').count()).toBe(0);
    expect(navigations).toEqual([]);
    await closeModal(tab1);
  });

  it('update member A then member B quickly: both changes stay, in both tabs', async () => {
    const tab1 = pages[0] as Page;
    const tab2 = pages[1] as Page;
    await addMember(tab1, { name: 'A 青木', position: 'ホール' });
    await addMember(tab1, { name: 'B 別府', position: 'ホール' });
    await front(tab1);
    // A then B without waiting for the server between them (the old app lost one of the two).
    await tab1.locator('[data-testid^="edit-staff-"]').filter({ hasText: 'A 青木' }).click();
    await tab1.getByTestId('input-position').fill('ホール長');
    await tab1.getByTestId('save-button').click();
    await tab1.locator('[data-testid^="edit-staff-"]').filter({ hasText: 'B 別府' }).click();
    await tab1.getByTestId('input-position').fill('副店長');
    await tab1.getByTestId('save-button').click();
    await closeModal(tab1);
    for (const tab of [tab1, tab2]) {
      await eventually(() => row(tab, 'A 青木').getByTestId('staff-position').textContent(), 'ホール長', 10_000, 'A');
      await eventually(() => row(tab, 'B 別府').getByTestId('staff-position').textContent(), '副店長', 10_000, 'B');
    }
    await tab1.locator('[data-testid="pending-count"]').waitFor({ state: 'detached' });
    // And they stay: one more change made after them reaches tab 2 (changes arrive in seq order),
    // and neither was rolled back before it.
    await addMember(tab1, { name: 'C 千葉', position: 'ホール' });
    await closeModal(tab1);
    await row(tab2, 'C 千葉').waitFor();
    expect(await row(tab2, 'A 青木').getByTestId('staff-position').textContent()).toBe('ホール長');
    expect(await row(tab2, 'B 別府').getByTestId('staff-position').textContent()).toBe('副店長');
  });

  it('reload shows every saved change (no empty screen while the data sits in the database)', async () => {
    const tab2 = pages[1] as Page;
    const before = await names(tab2);
    expect(before).toEqual(expect.arrayContaining(['山田 一郎', 'A 青木', 'B 別府']));
    await tab2.reload();
    await tab2.locator('[data-testid="connection-status"][data-status="connected"]').waitFor();
    await row(tab2, '山田 一郎').waitFor();
    expect(await names(tab2)).toEqual(before);
    expect(await row(tab2, 'A 青木').getByTestId('staff-position').textContent()).toBe('ホール長');
    expect(await row(tab2, 'B 別府').getByTestId('staff-position').textContent()).toBe('副店長');
    // A new tab (new client, fresh roster from the server) sees the same.
    const tab3 = await open('三郎');
    await row(tab3, '山田 一郎').waitFor();
    expect(await names(tab3)).toEqual(before);
    await tab3.close();
  });

  it('lists 社員, 派遣, パート, each by start period, and dims members outside the period in the modal', async () => {
    const tab1 = await front(pages[0] as Page);
    const add = async (name: string, status: string, start?: [string, string]) => {
      await tab1.getByTestId('add-staff-button').click();
      await tab1.getByTestId('staff-name').fill(name);
      await tab1.getByTestId('input-position').fill('スタッフ');
      await tab1.getByTestId('input-status').selectOption(status);
      if (start) {
        await tab1.getByTestId('start-year').selectOption(start[0]);
        await tab1.getByTestId('start-month').selectOption(start[1]);
      }
      await tab1.getByTestId('save-button').click();
      await tab1.getByTestId('toast').getByText(`${name}を追加しました`).waitFor();
    };
    await tab1.getByTestId('staff-management-button').click();
    const year = String(new Date().getFullYear() - 1);
    await add('パート 遅', 'パート', [year, '6']);
    await add('パート 早', 'パート', [year, '2']);
    await add('派遣 一', '派遣');
    const future = String(new Date().getFullYear() + 1);
    await add('社員 未来', '社員', [future, '12']);
    // In the modal: the member starting next December is outside the current period.
    const item = tab1.locator('[data-testid^="edit-staff-"]').filter({ hasText: '社員 未来' });
    expect(await item.getAttribute('data-outside')).toBe('true');
    await item.getByTestId('out-of-period').waitFor();
    await closeModal(tab1);
    const listed = await names(tab1);
    expect(listed).not.toContain('社員 未来');
    const order = ['派遣 一', 'パート 早', 'パート 遅'].map((n) => listed.indexOf(n));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Every 社員 comes before every 派遣: the status badges read in order.
    const badges = await tab1.getByTestId('staff-row').getByTestId('status-badge').allTextContents();
    const rank = { 社員: 0, 派遣: 1, パート: 2 } as Record<string, number>;
    expect(badges.map((b) => rank[b])).toEqual([...badges.map((b) => rank[b])].sort());
  });

  it('refuses bad input with the message and sends nothing: empty name, empty position, end before start', async () => {
    let sent: ReturnType<typeof recordSent> = { types: () => [] };
    const tab = await open('検証', (page) => {
      sent = recordSent(page);
    });
    await editFromList(tab, 'A 青木');
    const before = sent.types().length;
    await tab.getByTestId('staff-name').fill('   ');
    await tab.getByTestId('input-position').fill('');
    await tab.getByTestId('save-button').click();
    expect(await tab.getByTestId('error-name').textContent()).toBe('名前を入力してください');
    expect(await tab.getByTestId('error-position').textContent()).toBe('職位を入力してください');
    // Keyboard users land on the first field in error.
    await eventually(() => tab.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'staff-name', 3000, 'focus');
    expect(await tab.getByTestId('staff-name').getAttribute('aria-invalid')).toBe('true');

    await tab.getByTestId('staff-name').fill('A 青木');
    await tab.getByTestId('input-position').fill('ホール長');
    await tab.getByTestId('error-name').waitFor({ state: 'detached' });
    const year = String(new Date().getFullYear());
    await tab.getByTestId('start-year').selectOption(year);
    await tab.getByTestId('start-month').selectOption('5');
    await tab.getByTestId('end-year').selectOption(year);
    await tab.getByTestId('end-month').selectOption('4');
    await tab.getByTestId('save-button').click();
    expect(await tab.getByTestId('error-endPeriod').textContent()).toBe('終了期間は開始期間より後にしてください');

    // Nothing left the page: the next frame it sends (closing the modal clears its presence) has
    // no STAFF_ message before it. Nothing is pending, nothing changed in the list.
    expect(await tab.getByTestId('pending-count').count()).toBe(0);
    await closeModal(tab);
    await eventually(async () => sent.types().slice(before).includes('PRESENCE_SET'), true, 10_000, 'the presence frame');
    expect(
      sent
        .types()
        .slice(before)
        .filter((t) => t.startsWith('STAFF_')),
    ).toEqual([]);
    expect(await row(tab, 'A 青木').getByTestId('staff-position').textContent()).toBe('ホール長');
    expect(await row(tab, 'A 青木').locator('.staff-period').textContent()).toBe('');
    await tab.close();
  });

  it('deletes only after the confirmation, and the member leaves every tab', async () => {
    const tab1 = pages[0] as Page;
    const tab2 = pages[1] as Page;
    await addMember(tab1, { name: '削除 候補', position: 'ホール' });
    await row(tab2, '削除 候補').waitFor();
    await tab1.getByTestId('delete').click();
    const confirm = tab1.getByTestId('confirm-dialog');
    expect(await confirm.getByTestId('confirm-text').textContent()).toBe('本当に削除 候補を削除しますか？');
    // Cancel is focused first: Enter on an accidental open deletes nothing.
    await tab1.keyboard.press('Enter');
    await confirm.getByTestId('confirm-text').waitFor({ state: 'detached' });
    expect(await tab1.locator('[data-testid^="edit-staff-"]').filter({ hasText: '削除 候補' }).count()).toBe(1);
    await tab1.getByTestId('delete').click();
    await confirm.getByTestId('confirm-ok').click();
    await tab1.getByTestId('toast').getByText('削除 候補を削除しました').waitFor();
    await tab1.locator('[data-testid^="edit-staff-"]').filter({ hasText: '削除 候補' }).waitFor({ state: 'detached' });
    await row(tab2, '削除 候補').waitFor({ state: 'detached' });
    await closeModal(tab1);
  });

  it('shows who else edits a member, in the list and the modal, and drops it within seconds when they leave', async () => {
    const tab1 = pages[0] as Page;
    const tab2 = pages[1] as Page;
    await editFromList(tab1, 'B 別府');
    const badge = row(tab2, 'B 別府').getByTestId('editing-badge');
    await badge.getByText('花子が編集中').waitFor({ timeout: 5000 });
    // In tab 2's modal too, on the list item and on the form of that member.
    await (await front(tab2)).getByTestId('staff-management-button').click();
    await tab2.locator('[data-testid^="edit-staff-"]').filter({ hasText: 'B 別府' }).getByTestId('editing-badge').waitFor();
    await tab2.locator('[data-testid^="edit-staff-"]').filter({ hasText: 'B 別府' }).click();
    await tab2.getByTestId('staff-form').getByTestId('editing-badge').getByText('花子が編集中').waitFor();
    await closeModal(tab2);
    // Tab 1 closes the modal: gone.
    await closeModal(tab1);
    await badge.waitFor({ state: 'detached', timeout: 5000 });
    // Tab 1 opens it again and then the tab goes away altogether: gone too.
    await editFromList(tab1, 'B 別府');
    await badge.waitFor({ timeout: 5000 });
    await tab1.close();
    await badge.waitFor({ state: 'detached', timeout: 5000 });
  });

  it('switches to English and back, keeping the data', async () => {
    const tab2 = await front(pages[1] as Page);
    await tab2.getByTestId('language-switch').click();
    await tab2.getByTestId('connection-label').getByText('Connected', { exact: true }).waitFor();
    expect(await tab2.getByTestId('staff-management-button').textContent()).toBe('Open staff management');
    expect(await tab2.evaluate(() => document.documentElement.lang)).toBe('en');
    await row(tab2, 'B 別府').getByTestId('status-badge').getByText('Employee').waitFor();
    await tab2.getByTestId('language-switch').click();
    await tab2.getByTestId('connection-label').getByText('接続中', { exact: true }).waitFor();
  });
  it("the plan's own E2E test, step by step through its test ids", async () => {
    // The steps and selectors of the plan's Playwright test ("4. End-to-End Testing"), with
    // playwright-core instead of @playwright/test: its `expect(locator).toContainText` becomes
    // `containsText` (polling, the same auto-retrying wait) and localhost:3000 this server.
    const containsText = (locator: Locator, text: string) =>
      eventually(async () => ((await locator.textContent()) ?? '').includes(text), true, 15_000, `text ${text}`);
    const page = await browser.context.newPage();
    errors.push(recordErrors(page));
    await page.goto(server.url);

    await page.click('[data-testid="staff-management-button"]');

    await page.click('[data-testid="add-staff-button"]');
    await page.fill('[data-testid="staff-name"]', 'Test Staff Member');
    await page.click('[data-testid="save-button"]');

    await containsText(page.locator('[data-testid="staff-list"]'), 'Test Staff Member');

    const secondPage = await page.context().newPage();
    errors.push(recordErrors(secondPage));
    await secondPage.goto(server.url);

    await page.click('[data-testid="edit-staff-Test Staff Member"]');
    await page.fill('[data-testid="staff-name"]', 'Updated Staff Member');
    await page.click('[data-testid="save-button"]');

    await containsText(secondPage.locator('[data-testid="staff-list"]'), 'Updated Staff Member');
    // And it is the same member, renamed, with the position a new member starts with.
    await row(secondPage, 'Updated Staff Member').getByTestId('staff-position').getByText('スタッフ', { exact: true }).waitFor();
    expect(await row(secondPage, 'Test Staff Member').count()).toBe(0);
    await page.close();
    await secondPage.close();
  });
});
