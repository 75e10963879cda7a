import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue, until } from '@staff-sync/test-support/metrics';
import { type SilentProxy, silentProxy } from '@staff-sync/test-support/silent-proxy';
import { TestClient } from '@staff-sync/test-support/ws-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './support/app-build.ts';
import {
  addMember,
  type Browser,
  cell,
  closeModal,
  editFromList,
  eventually,
  front,
  launchBrowser,
  openApp,
  recordErrors,
  row,
} from './support/browser.ts';

/** A restaurant's own decisions needed before a learned suggestion may be applied (docs/assist.md). */
const MIN_OWN_DECISIONS = 5;
const POSITIONS = ['料理長', 'ホール係', '洗い場', 'キッチン補助', 'バーテンダー', '店長代理'];

/**
 * Suggested resolutions in the app, under the strategy `assisted`: the conflict dialog shows the
 * server's suggestion pre-selected with its reason, the person accepts it, and the next conflict
 * like it is resolved by the server without a dialog. Two people, each in a browser of their own.
 *
 * How the threshold is reached: before the browsers, a protocol client makes MIN_OWN_DECISIONS - 2
 * conflicts of a position in the same restaurant and settles each with `resolves` keeping its own
 * value (what the people in the browsers then do too). A learned suggestion is never applied
 * before a restaurant has sent back MIN_OWN_DECISIONS choices; the browsers' first two conflicts
 * (a schedule cell, then a position) are the last ones asked, and after their choices the next
 * one is applied. Tab 2 reaches the server through a proxy that can cut it off, for the cell.
 */
describe('suggested resolutions in a real browser', () => {
  let db: DriverServer;
  const browsers: Browser[] = [];
  const errors: string[][] = [];
  let tab1: Page;
  let tab2: Page;
  let proxy: SilentProxy;

  /** One conflict of a position, settled by keeping "mine" (the stale client's value). */
  async function seedDecision(a: TestClient, b: TestClient, staffId: string, version: number, i: number): Promise<number> {
    await a.request('STAFF_UPDATE', { staffId, version, changes: { position: POSITIONS[(i % 5) + 1] } });
    const mine = POSITIONS[((i + 2) % 5) + 1];
    const conflict = await b.request('STAFF_UPDATE', { staffId, version, changes: { position: mine } });
    if (conflict.type !== 'CONFLICT' || !conflict.payload.suggestion)
      throw new Error(`no suggested conflict: ${JSON.stringify(conflict)}`);
    const settled = await b.request('STAFF_UPDATE', {
      staffId,
      version: conflict.payload.current.version,
      changes: { position: mine },
      resolves: { sequenceNumber: conflict.payload.sequenceNumber, choices: { position: 'mine' } },
    });
    if (settled.type !== 'ACK') throw new Error(JSON.stringify(settled));
    return settled.payload.version;
  }

  beforeAll(async () => {
    const [dist, first, second] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
    browsers.push(first, second);
    db = await serverOn('pglite', 'web-assist', { env: { STATIC_DIR: dist, CONFLICT_STRATEGY: 'assisted' } });
    const [a, b] = await Promise.all([TestClient.connect(db.server.wsUrl), TestClient.connect(db.server.wsUrl)]);
    const created = await a.request('STAFF_CREATE', { name: '見本 太郎', position: POSITIONS[0] });
    if (created.type !== 'ACK') throw new Error(JSON.stringify(created));
    let version = 1;
    for (let i = 1; i < MIN_OWN_DECISIONS - 1; i++) version = await seedDecision(a, b, created.payload.staffId, version, i);
    await Promise.all([a.close(), b.close()]);

    proxy = await silentProxy(db.server.url);
    tab1 = await openApp(first, db.server.url, '花子', (p) => errors.push(recordErrors(p)));
    tab2 = await openApp(second, proxy.url, '次郎', (p) => errors.push(recordErrors(p)));
    await addMember(tab1, { name: '鈴木 一郎', position: 'ホール' });
    await closeModal(tab1);
    await row(tab2, '鈴木 一郎').waitFor();
  });
  afterAll(async () => {
    proxy?.restore();
    await Promise.all(browsers.map((b) => b.close()));
    await proxy?.close();
    await db?.cleanup();
    expect(errors.flat()).toEqual([]);
  });

  /**
   * Both open the form, tab 1 saves `theirs` first, then tab 2 saves `mine` from the same version.
   * The values share nothing, so no objective rule (a merge, one edit containing the other) decides.
   */
  async function collide(theirs: string, mine: string, input = 'input-position', field = 'position'): Promise<void> {
    await editFromList(tab1, '鈴木 一郎');
    await editFromList(tab2, '鈴木 一郎');
    await front(tab1);
    await tab1.getByTestId(input).fill(theirs);
    await tab1.getByTestId('save-button').click();
    await tab1
      .getByTestId('toast')
      .getByText(/を更新しました$/)
      .last()
      .waitFor();
    await tab2.getByTestId(`remote-change-${field}`).waitFor();
    await front(tab2);
    await tab2.getByTestId(input).fill(mine);
    await tab2.getByTestId('save-button').click();
  }

  /** The server's counts of suggestions by event (docs/assist.md, "Metrics"). */
  const count = (event: string) => metricValue(db.server.url, 'staff_sync_assist_suggestions_total', { event }).catch(() => 0);
  const accepted = () => count('accepted');
  /**
   * The person's choices the server recorded (a correction back to a value it counts as the same
   * as what it kept is "accepted"; to another, "overridden").
   */
  const settled = async () => (await accepted()) + (await count('overridden'));

  /** Type `value` into the selected cell: a key of a symbol (one letter), else a custom text. */
  async function type(page: Page, value: string): Promise<void> {
    if (/^[a-z]$/.test(value)) return page.keyboard.press(value);
    await page.keyboard.press('Enter');
    await page.getByTestId('picker-custom').fill(value);
    await page.getByTestId('picker-custom').press('Enter');
    await page.getByTestId('picker-custom').waitFor({ state: 'detached' });
  }

  /**
   * With tab 2 offline, tab 1 sets `name`'s cell on `date` to `theirs`, then tab 2 sets it to
   * `mine`: tab 2's change arrives stale, from the same version as tab 1's.
   */
  async function collideCell(name: string, date: string, theirs: string, mine: string): Promise<void> {
    proxy.cut();
    await eventually(() => tab2.getByTestId('connection-status').getAttribute('data-status'), 'reconnecting', 15_000, 'offline');
    try {
      await front(tab1);
      await cell(tab1, name, date).click();
      await type(tab1, theirs);
      await eventually(() => cell(tab1, name, date).getAttribute('data-pending'), null, 10_000, 'tab 1 confirmed');
      // Later than tab 1's, as in the seeded conflicts (the edit's time is one of the model's features).
      await front(tab2);
      await cell(tab2, name, date).click();
      await type(tab2, mine);
    } finally {
      proxy.restore();
    }
  }

  const dayOf = async (i: number) => (await tab1.getByTestId('day-header').nth(i).getAttribute('data-date')) as string;

  it('the cell conflict dialog shows the suggestion pre-selected with its reason; accepting it is sent back', async () => {
    const date = await dayOf(5);
    const before = await accepted();
    await collideCell('鈴木 一郎', date, 's', 'h');
    const dialog = tab2.getByTestId('cell-conflict-dialog');
    await dialog.getByTestId('conflict-suggestion-reason').waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('conflict-suggestion-reason').textContent()).toContain('シフトを変更しました');
    expect(await dialog.getByTestId('conflict-suggestion-confidence').textContent()).toMatch(/^確からしさ \d+%$/);
    // Pre-selected: the suggestion (the person's own value, this restaurant's habit) has the focus.
    const apply = dialog.getByTestId('cell-conflict-apply-mine');
    expect(await apply.getAttribute('data-suggested')).toBe('true');
    await eventually(() => apply.evaluate((b) => b === document.activeElement), true, 10_000, 'focus');
    await front(tab2);
    await tab2.keyboard.press('Enter');
    await dialog.getByTestId('cell-conflict-row').waitFor({ state: 'detached' });
    for (const tab of [tab1, tab2])
      await eventually(() => cell(tab, '鈴木 一郎', date).getAttribute('data-value'), '★', 10_000, 'mine');
    await until(async () => (await accepted()) === before + 1, 10_000, 'the acceptance recorded');
  });

  it('shows the suggestion pre-selected with its reason; the person accepts it', async () => {
    await collide('キッチン補助', '洗い場');
    const dialog = tab2.getByTestId('conflict-dialog');
    await dialog.getByTestId('conflict-row-position').waitFor();
    const reason = await dialog.getByTestId('conflict-suggestion-reason').textContent();
    expect(reason).toContain('役職を変更しました');
    expect(await dialog.getByTestId('conflict-suggestion-confidence').textContent()).toMatch(/^確からしさ \d+%$/);
    // The suggestion keeps the person's own value, as this restaurant's people always did.
    expect(await dialog.getByTestId('conflict-position-mine').isChecked()).toBe(true);
    await dialog.getByTestId('conflict-position-mine').locator('..').getByTestId('conflict-position-suggested').waitFor();
    await dialog.getByTestId('conflict-save').click();
    await dialog.getByTestId('conflict-row-position').waitFor({ state: 'detached' });
    for (const tab of [tab1, tab2]) {
      await eventually(() => row(tab, '鈴木 一郎').getByTestId('staff-position').textContent(), '洗い場', 10_000, 'position');
    }
    await closeModal(tab1);
    await closeModal(tab2);
  });

  it('resolves the next similar conflict without a dialog, and says so', async () => {
    await collide('バーテンダー', '料理長');
    await tab2.getByTestId('toast').getByText('鈴木 一郎の競合を自動で解決しました（職位: あなたの値）').waitFor();
    for (const tab of [tab1, tab2]) {
      await eventually(() => row(tab, '鈴木 一郎').getByTestId('staff-position').textContent(), '料理長', 10_000, 'position');
    }
    expect(await tab2.getByTestId('conflict-dialog').isVisible()).toBe(false);
    await closeModal(tab1);
    await closeModal(tab2);
  });

  it('an applied resolution that kept the other value can be undone, which the server hears as a correction', async () => {
    const before = await settled();
    // The same name in another case: objectively the same value, so the current one is kept.
    await collide('Suzuki Ichiro', 'SUZUKI ICHIRO', 'staff-name', 'name');
    const toast = tab2.getByTestId('toast').filter({ hasText: 'の競合を自動で解決しました（名前: 現在の値）' });
    await toast.getByTestId('toast-action').getByText('自分の値に戻す').click();
    for (const tab of [tab1, tab2]) await row(tab, 'SUZUKI ICHIRO').waitFor();
    await until(async () => (await settled()) === before + 1, 10_000, 'the correction recorded');
  });

  it('a cell change the server resolved itself says what it kept, and can be undone', async () => {
    // The same text in another width and case: objectively the same value, so the current one stays.
    for (const tab of [tab1, tab2]) await closeModal(tab);
    const date = await dayOf(6);
    const before = await settled();
    await collideCell('SUZUKI ICHIRO', date, 'kenshu', 'ＫＥＮＳＨＵ');
    const toast = tab2
      .getByTestId('toast')
      .filter({ hasText: `SUZUKI ICHIRO（${date}）のシフトの競合を自動で解決しました（現在の値）` });
    await toast.getByTestId('toast-action').getByText('自分の値に戻す').click();
    for (const tab of [tab1, tab2])
      await eventually(() => cell(tab, 'SUZUKI ICHIRO', date).getAttribute('data-value'), 'ＫＥＮＳＨＵ', 10_000, 'undone');
    await until(async () => (await settled()) === before + 1, 10_000, 'the correction recorded');
    expect(await tab2.getByTestId('cell-conflict-dialog').isVisible()).toBe(false);
  });
});
