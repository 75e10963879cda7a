/**
 * The open modal dialogs, innermost last. A modal <dialog> makes everything outside it inert and
 * covers it with its backdrop, so toasts must live inside the innermost open dialog to be seen
 * and announced; this is where they find it.
 */
const open: HTMLDialogElement[] = [];
const listeners = new Set<() => void>();
let snapshot: HTMLDialogElement | null = null;

function changed(): void {
  snapshot = open.at(-1) ?? null;
  for (const listener of listeners) listener();
}

export const topLayer = {
  opened(dialog: HTMLDialogElement): void {
    open.push(dialog);
    changed();
  },
  closed(dialog: HTMLDialogElement): void {
    const index = open.lastIndexOf(dialog);
    if (index >= 0) open.splice(index, 1);
    changed();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** The innermost open modal dialog, or null. */
  current(): HTMLDialogElement | null {
    return snapshot;
  },
};
