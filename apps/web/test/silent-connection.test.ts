import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { type SilentProxy, silentProxy } from '@staff-sync/test-support/silent-proxy';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import {
  addMember,
  type Browser,
  closeModal,
  connected,
  editFromList,
  eventually,
  front,
  launchBrowser,
  openApp,
  recordErrors,
  row,
} from './support/browser.ts';
import { saveOutcome } from './support/outcome.ts';

/**
 * Two people in two Chromium processes. A reaches the server through a real TCP proxy that can
 * go silent (stop forwarding without closing, as a NAT that forgot the connection) or cut the
 * network; B connects directly. What A sends while the connection is bad still reaches A's
 * screen as an outcome: no conflict with A's own saves, a refusal after a reload shown, and a
 * silent socket noticed because a change went unanswered.
 */
describe('a bad connection under changes, in two browsers', () => {
  let server: ServerProcess;
  let proxy: SilentProxy;
  let browsers: Browser[] = [];
  const errors: string[][] = [];
  let a: Page;
  let b: Page;
  const warnings: string[] = [];
  const status = () => a.getByTestId('connection-status').getAttribute('data-status');

  beforeAll(async () => {
    const [dist, first, second] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
    browsers = [first, second];
    server = await startServerProcess({ env: { STATIC_DIR: dist } });
    proxy = await silentProxy(server.url);
    a = await openApp(first, proxy.url, '花子', (p) => {
      errors.push(recordErrors(p));
      p.on('console', (m) => {
        if (m.type() === 'warning') warnings.push(m.text());
      });
    });
    b = await openApp(second, server.url, '次郎', (p) => errors.push(recordErrors(p)));
  });
  // Whatever a test leaves (a dialog, a cut network, after a failure) is gone before the next one.
  afterEach(async () => {
    proxy.restore();
    for (const page of [a, b]) {
      await page.reload();
      await connected(page);
    }
    warnings.length = 0;
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await proxy?.close();
    await server?.stop();
    expect(errors.flat()).toEqual([]);
  });

  /** B adds a member; A sees it. */
  async function member(name: string, position: string): Promise<void> {
    await addMember(b, { name, position });
    await closeModal(b);
    await row(a, name).waitFor();
  }

  /**
   * B opens the member in the modal (from its list, which shows members of every period) and
   * saves `fill`. Its toast may be an earlier save's still shown: callers check the effect in A.
   */
  async function bSaves(name: string, fill: (page: Page) => Promise<void>): Promise<void> {
    await front(b);
    await b.getByTestId('staff-management-button').click();
    await b.locator('[data-testid^="edit-staff-"]').filter({ hasText: name }).click();
    await fill(b);
    await b.getByTestId('save-button').click();
    await b.getByTestId('toast').getByText(`${name}を更新しました`).first().waitFor();
    await closeModal(b);
  }

  it('1. two saves of the name made offline, B changing the position meanwhile: both saved, no conflict', async () => {
    await member('大野 翔', 'ホール');
    await editFromList(a, '大野 翔');
    proxy.cut();
    await eventually(status, 'reconnecting', 15_000, 'status after the cut');
    await a.getByTestId('staff-name').fill('大野 翔太');
    await a.getByTestId('save-button').click();
    await a.getByTestId('staff-name').fill('大野 翔平');
    await a.getByTestId('save-button').click();
    await a.getByTestId('pending-count').getByText('未送信 2件').waitFor();
    await bSaves('大野 翔', (page) => page.getByTestId('input-position').fill('ホール長'));

    proxy.restore();
    await front(a);
    await eventually(status, 'connected', 60_000, 'status after the network is back');
    expect(await saveOutcome(a, '大野 翔太を更新しました')).toBe('saved');
    expect(await saveOutcome(a, '大野 翔平を更新しました')).toBe('saved');
    expect(await a.getByTestId('conflict-dialog').isVisible()).toBe(false);
    for (const page of [a, b]) {
      await eventually(() => row(page, '大野 翔平').getByTestId('staff-position').textContent(), 'ホール長', 10_000, 'position');
    }
    await closeModal(a);
  });

  it('2. a CONFLICT for a change re-sent from the outbox after a reload opens the conflict dialog', async () => {
    await member('森 由美', 'ホール');
    await editFromList(a, '森 由美');
    await bSaves('森 由美', (page) => page.getByTestId('input-position').fill('ホール長'));
    await a.getByTestId('remote-change-position').waitFor();

    // A saves from its older form just as the connection goes silent, and reloads.
    proxy.silence();
    await front(a);
    await a.getByTestId('input-position').fill('副店長');
    await a.getByTestId('save-button').click();
    await a.getByTestId('pending-count').getByText('未送信 1件').waitFor();
    await a.reload();
    await connected(a);

    // The reloaded page re-sends it; the refusal reaches A although no promise of this page waits.
    const dialog = a.getByTestId('conflict-dialog');
    await dialog.getByTestId('conflict-row-position').waitFor();
    expect(await dialog.getByTestId('conflict-position-mine-value').textContent()).toBe('副店長');
    expect(await dialog.getByTestId('conflict-position-current-value').textContent()).toBe('ホール長');
    await dialog.getByTestId('conflict-save').click();
    await a.getByTestId('toast').getByText('森 由美を更新しました').waitFor();
    for (const page of [a, b]) {
      await eventually(() => row(page, '森 由美').getByTestId('staff-position').textContent(), '副店長', 10_000, 'position');
    }
  });

  it('2. an ERROR for a change re-sent after a reload: a toast naming the member and the lost value, and もう一度適用', async () => {
    const year = new Date().getFullYear() - 1;
    await member('原 智', '調理');
    await editFromList(a, '原 智');
    await bSaves('原 智', async (page) => {
      await page.getByTestId('end-year').selectOption(String(year));
      await page.getByTestId('end-month').selectOption('3');
    });
    await a.getByTestId('remote-change-endPeriod').waitFor();

    // A's start after B's end: merged, it would end before it starts, so the server refuses it.
    proxy.silence();
    await front(a);
    await a.getByTestId('start-year').selectOption(String(year));
    await a.getByTestId('start-month').selectOption('6');
    await a.getByTestId('save-button').click();
    await a.getByTestId('pending-count').getByText('未送信 1件').waitFor();
    await a.reload();
    await connected(a);

    const toast = a.getByTestId('toast').filter({ hasText: 'スタッフの更新に失敗しました' });
    await toast.waitFor();
    expect(await toast.getAttribute('data-kind')).toBe('error');
    expect(await toast.getByTestId('toast-detail').textContent()).toBe(
      `原 智の変更（開始期間: ${year}年6月）は保存されていません`,
    );

    // B clears the end; A applies the lost start again from the toast.
    await bSaves('原 智', async (page) => {
      await page.getByTestId('end-year').selectOption('');
      await page.getByTestId('end-month').selectOption('');
    });
    await row(a, '原 智').waitFor(); // no start, no end: in this period again
    await front(a);
    await toast.getByTestId('toast-action').click();
    await a.getByTestId('toast').getByText('原 智を更新しました').waitFor();
    for (const page of [a, b]) {
      const period = async () => (await row(page, '原 智').locator('.staff-period').textContent())?.trim();
      await eventually(period, `${year}年6月 –`, 10_000, 'period');
    }
  });

  it('5. a connection gone silent under a change is noticed by the change going unanswered, not by the heartbeat', async () => {
    await member('半田 開', '調理');
    await editFromList(a, '半田 開');
    proxy.silence();
    const started = Date.now();
    await a.getByTestId('input-position').fill('料理長');
    await a.getByTestId('save-button').click();
    await a.getByTestId('pending-count').getByText('未送信 1件').waitFor();
    expect(await status()).toBe('connected'); // what the person sees: 接続中, and 未送信 1件

    await eventually(() => row(b, '半田 開').getByTestId('staff-position').textContent(), '料理長', 60_000, 'B sees it');
    await a.getByTestId('pending-count').waitFor({ state: 'detached', timeout: 60_000 });
    console.log(`half-open connection: change delivered ${Date.now() - started} ms after the save`);
    expect(await status()).toBe('connected');
    // The unanswered change made the client probe (the heartbeat alone would have taken 35 s).
    expect(warnings.filter((w) => w.includes('a change went unanswered'))).toHaveLength(1);
    await a.getByTestId('toast').getByText('半田 開を更新しました').waitFor();
    await closeModal(a);
  });
});
