import { type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
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
import { coveredButtons, saveOutcome } from './support/outcome.ts';

/**
 * Two people in two Chromium processes, one server. A's form stays open while B changes the same
 * member: A's own saves never conflict with each other; after 現在の値のままにする the form tells
 * the truth; and the toasts of saves in a row never cover the form's buttons.
 */
describe('saving from an open form while someone else edits, in two browsers', () => {
  let db: DriverServer;
  let browsers: Browser[] = [];
  const errors: string[][] = [];
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    const [dist, first, second] = await Promise.all([buildApp(), launchBrowser(), launchBrowser()]);
    browsers = [first, second];
    db = await serverOn('pglite', 'web-own-saves', { env: { STATIC_DIR: dist } });
    a = await openApp(first, db.server.url, '花子', (p) => errors.push(recordErrors(p)));
    b = await openApp(second, db.server.url, '次郎', (p) => errors.push(recordErrors(p)));
  });
  // Whatever a test leaves open (a dialog, after a failure) is gone before the next one.
  afterEach(async () => {
    await a.setViewportSize({ width: 1280, height: 800 });
    for (const page of [a, b]) {
      await page.reload();
      await connected(page);
    }
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await db?.cleanup();
    expect(errors.flat()).toEqual([]);
  });

  /** A new member, and A's form open on it at version 1 while B changes its position. */
  async function staleForm(name: string, position: string, theirs: string): Promise<void> {
    await addMember(b, { name, position });
    await closeModal(b);
    await row(a, name).waitFor();
    await editFromList(a, name);
    await editFromList(b, name);
    await b.getByTestId('input-position').fill(theirs);
    await b.getByTestId('save-button').click();
    await b.getByTestId('toast').getByText(`${name}を更新しました`).waitFor();
    await closeModal(b);
    await a.getByTestId('remote-change-position').waitFor();
  }

  it('1. saving the name twice from the same form after B changed the position: no conflict with oneself', async () => {
    await staleForm('青木 健', 'ホール', 'ホール長');
    await front(a);
    await a.getByTestId('staff-name').fill('青木 健一');
    await a.getByTestId('save-button').click();
    expect(await saveOutcome(a, '青木 健一を更新しました')).toBe('saved');
    // A corrects the name from the same form: its own first save is no one else's change.
    await a.getByTestId('staff-name').fill('青木 健二');
    await a.getByTestId('save-button').click();
    expect(await saveOutcome(a, '青木 健二を更新しました')).toBe('saved');
    expect(await a.getByTestId('conflict-dialog').isVisible()).toBe(false);
    // B's position was never overwritten, and both see the result.
    for (const page of [a, b]) {
      await eventually(() => row(page, '青木 健二').getByTestId('staff-position').textContent(), 'ホール長', 10_000, 'position');
    }
    await closeModal(a);
  });

  it('3. after 現在の値のままにする the form shows the current value, and 更新 saves a different input', async () => {
    await staleForm('石井 純', '調理', '料理長');
    await front(a);
    await a.getByTestId('input-position').fill('副料理長');
    await a.getByTestId('save-button').click();
    expect(await saveOutcome(a, '石井 純を更新しました')).toBe('conflict');
    await a.getByTestId('conflict-keep-current').click();
    await a.getByTestId('conflict-dialog').locator('[data-testid^="conflict-row-"]').first().waitFor({ state: 'detached' });
    await a.getByTestId('toast').getByText('石井 純は現在の内容のままです').waitFor();
    // The form says what the member is, not what was discarded.
    expect(await a.getByTestId('input-position').inputValue()).toBe('料理長');
    expect(await a.getByTestId('remote-change').count()).toBe(0);
    // Changing it again is a change, saved from what the form now shows.
    await a.getByTestId('input-position').fill('副料理長');
    await a.getByTestId('save-button').click();
    expect(await saveOutcome(a, '石井 純を更新しました')).toBe('saved');
    for (const page of [a, b]) {
      await eventually(() => row(page, '石井 純').getByTestId('staff-position').textContent(), '副料理長', 10_000, 'position');
    }
    await closeModal(a);
  });

  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ] as const) {
    it(`4. at ${width}x${height}, three saves in a row: no toast covers the form's buttons`, async () => {
      await a.setViewportSize({ width, height });
      const name = `上田 ${width}`;
      await staleForm(name, 'ホール', '副店長');
      await front(a);
      for (const n of [1, 2, 3]) {
        const saved = `${name}-${n}`;
        await a.getByTestId('staff-name').fill(saved);
        const submit = a.getByTestId('save-button');
        await submit.click();
        // Straight after its save's toast shows (earlier ones may still be there): nothing covers
        // a button, so the next save needs no waiting.
        await a.getByTestId('toast').getByText(`${saved}を更新しました`, { exact: true }).waitFor();
        await submit.scrollIntoViewIfNeeded();
        expect(await coveredButtons(a, ['save-button', 'cancel', 'delete', 'apply-remote'])).toEqual([]);
      }
    });
  }
});
