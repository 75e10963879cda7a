/**
 * "This member was decided elsewhere": a refusal of a change to it, or a save from the conflict
 * dialog or a toast's もう一度適用. The open form on that member listens, and takes the member as
 * the store now shows it for its base, keeping what the person typed since (docs/web.md).
 */
export class MemberSignal {
  readonly #listeners = new Map<string, Set<() => void>>();

  subscribe(staffId: string, listener: () => void): () => void {
    let set = this.#listeners.get(staffId);
    if (!set) {
      set = new Set();
      this.#listeners.set(staffId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(staffId);
    };
  }

  emit(staffId: string): void {
    for (const listener of this.#listeners.get(staffId) ?? []) listener();
  }
}
