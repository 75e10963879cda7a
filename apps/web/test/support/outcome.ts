import type { Page } from 'playwright-core';

/**
 * What became of a save the page just made: its success toast (`{name}を更新しました`), or the
 * conflict dialog. Whichever shows first; fails when neither does.
 */
export function saveOutcome(page: Page, successText: string): Promise<'saved' | 'conflict'> {
  return Promise.race([
    page
      .getByTestId('toast')
      .getByText(successText, { exact: true })
      .waitFor()
      .then(() => 'saved' as const),
    page
      .getByTestId('conflict-dialog')
      .locator('[data-testid^="conflict-row-"]')
      .first()
      .waitFor()
      .then(() => 'conflict' as const),
  ]);
}

/** The boxes of every toast shown now and of the given buttons, for checking that none covers one. */
export async function coveredButtons(page: Page, buttons: string[]): Promise<string[]> {
  return page.evaluate((testIds) => {
    const toasts = [...document.querySelectorAll('[data-testid="toast"]')].map((t) => t.getBoundingClientRect());
    const covered: string[] = [];
    for (const id of testIds) {
      const button = document.querySelector(`[data-testid="${id}"]`);
      if (!button) continue;
      const b = button.getBoundingClientRect();
      const overlaps = toasts.some((t) => t.left < b.right && b.left < t.right && t.top < b.bottom && b.top < t.bottom);
      // And what a click at its centre would hit: the button itself, or something over it.
      const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
      if (overlaps || !(hit && button.contains(hit))) covered.push(id);
    }
    return covered;
  }, buttons);
}
