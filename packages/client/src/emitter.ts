/** A small typed event emitter: listeners per event name, each called in the order added. */
// biome-ignore lint/suspicious/noExplicitAny: event maps are interfaces, which lack an index signature
export class Emitter<Events extends { [K in keyof Events]: any }> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (event: Events[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as (event: Events[K]) => void)(event);
      } catch (error) {
        // One broken listener must not stop the others or the client.
        console.error(`staff-sync: a "${String(name)}" listener threw`, error);
      }
    }
  }
}
