import { randomUUID } from 'node:crypto';
import type { Queryable } from '../storage/db.ts';
import {
  loadConflict,
  loadDecided,
  loadLatestDecided,
  loadUncorrected,
  markNotApplied,
  type StoredConflict,
  saveDecision,
  saveSuggestion,
} from './assist-store.ts';
import type { CalibrationOptions } from './calibration.ts';
import { choicesTaking, type DecisionFacts, Learner } from './learner.ts';
import type { ModelOptions } from './probit-model.ts';
import { reasonText } from './reason.ts';
import type { AssistStats, ConflictInput, FieldSuggestion, RecordResult, Suggestion, SuggestResult } from './types.ts';
import { parseConflictInput, parseDecisionInput } from './validate.ts';

export interface SuggesterOptions {
  /** Where suggestions and decisions are kept (migration 007). Without it, memory only. */
  store?: Queryable;
  /** A suggestion at or above this confidence may be applied without asking (ASSIST_CONFIDENCE). */
  threshold?: number;
  /** False: nothing is recorded or learned; suggestions come from the objective rules and an untrained model. */
  learning?: boolean;
  /** The clock (ms since the epoch). */
  now?: () => number;
  /** Decisions per restaurant replayed when it is first needed. */
  historyPerRestaurant?: number;
  /** Decisions of all restaurants replayed by `start()`, the global prior. */
  warmUpDecisions?: number;
  /** An applied suggestion nobody corrected within this time counts as accepted. */
  implicitAcceptMs?: number;
  /** Choices a restaurant must have sent back before a learned suggestion may be applied. */
  minOwnDecisions?: number;
  /** Restaurants whose model is kept in memory; the least recently used are reloaded on demand. */
  maxRestaurants?: number;
  /** Suggestions kept in memory for `record` (the store holds them all). */
  maxPending?: number;
  model?: Partial<ModelOptions>;
  calibration?: Partial<CalibrationOptions>;
}

interface Pending {
  conflict: ConflictInput & { conflictId: string };
  fields: FieldSuggestion[];
  autoApplied: boolean;
  suggestedAt: number;
}

interface RestaurantState {
  loaded: boolean;
  /** The highest stored revision learned. */
  cursor: number;
  /** Revisions this process wrote and learned already. */
  own: Set<number>;
  /** Applied suggestions waiting to count as accepted. */
  applied: Map<string, Pending>;
  queue: Promise<unknown>;
}

/**
 * The assisted conflict resolution the server calls inside a conflict (docs/assist.md): `suggest`
 * gives the protocol's `suggestion` and whether it may be applied, `record` takes the person's
 * choice (a mutation's `resolves`). Work for one restaurant runs one call at a time.
 */
export class Suggester {
  readonly threshold: number;
  readonly learning: boolean;
  private readonly learner: Learner;
  private readonly store: Queryable | undefined;
  private readonly now: () => number;
  private readonly history: number;
  private readonly warmUp: number;
  private readonly implicitAcceptMs: number;
  private readonly maxRestaurants: number;
  private readonly maxPending: number;
  private readonly restaurants = new Map<string, RestaurantState>();
  private readonly pending = new Map<string, Pending>();
  private readonly counters: AssistStats = { suggested: 0, autoApplied: 0, accepted: 0, overridden: 0, implicitlyAccepted: 0 };

  constructor(options: SuggesterOptions = {}) {
    this.threshold = options.threshold ?? 0.9;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
    this.learning = options.learning ?? true;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.history = options.historyPerRestaurant ?? 500;
    this.warmUp = options.warmUpDecisions ?? 5000;
    this.implicitAcceptMs = options.implicitAcceptMs ?? 10 * 60_000;
    this.maxRestaurants = options.maxRestaurants ?? 10_000;
    this.maxPending = options.maxPending ?? 10_000;
    this.learner = new Learner({
      minOwnDecisions: options.minOwnDecisions ?? 5,
      coldCap: this.threshold * 0.95,
      ...(options.model ? { model: options.model } : {}),
      ...(options.calibration ? { calibration: options.calibration } : {}),
    });
  }

  /** Rebuild the global prior from the latest decisions of all restaurants (bounded by `warmUpDecisions`). */
  async start(): Promise<void> {
    if (!this.store || !this.learning) return;
    // A restaurant seen here still loads what is newer than its cursor, and its uncorrected
    // applied suggestions, when it is first needed.
    for (const row of await loadLatestDecided(this.store, this.warmUp)) this.learnStored(this.state(row.restaurantId), row);
  }

  /**
   * A suggestion for a conflict. `mayApply` false (a strategy other than `assisted`): the server
   * will ask the person whatever the confidence, so `autoApply` is false and nothing waits to be
   * accepted implicitly.
   */
  async suggest(raw: unknown, { mayApply = true }: { mayApply?: boolean } = {}): Promise<SuggestResult> {
    const parsed = parseConflictInput(raw);
    const input = { ...parsed, conflictId: parsed.conflictId ?? randomUUID() };
    return this.serially(input.restaurantId, async (state) => {
      const now = this.now();
      await this.catchUp(state, input.restaurantId, now);
      const fields: FieldSuggestion[] = [];
      const reasons = [];
      for (const field of Object.keys(input.fields)) {
        const { suggestion, reason } = this.learner.suggestField(input, field);
        fields.push(suggestion);
        reasons.push(reason);
      }
      const confidence = round(fields.reduce((p, f) => p * f.confidence, 1));
      const suggestion: Suggestion = {
        changes: Object.fromEntries(fields.filter((f) => f.basis !== 'theirs').map((f) => [f.field, f.value])),
        confidence,
        basis: Object.fromEntries(fields.map((f) => [f.field, f.basis])),
        reason: reasonText({
          language: input.language,
          collection: input.collection,
          theirs: input.theirs,
          now,
          fields: reasons,
          restaurantDecisions: this.learner.decisionsIn(input.restaurantId),
        }),
      };
      const autoApply = mayApply && confidence >= this.threshold;
      this.counters.suggested += 1;
      if (autoApply) this.counters.autoApplied += 1;
      if (this.learning) {
        const entry: Pending = { conflict: input, fields, autoApplied: autoApply, suggestedAt: now };
        this.remember(entry);
        if (autoApply) state.applied.set(input.conflictId, entry);
        if (this.store) await saveSuggestion(this.store, entry);
      }
      return { conflictId: input.conflictId, suggestion, autoApply, fields };
    });
  }

  /**
   * What the person chose (a `resolves`). Unknown conflicts are ignored, as the protocol says; a
   * choice for a field that was not in conflict is ignored too.
   */
  async record(raw: unknown): Promise<RecordResult> {
    const decision = parseDecisionInput(raw);
    if (!this.learning) return { recorded: false };
    return this.serially(decision.restaurantId, async (state) => {
      const entry = await this.find(decision.restaurantId, decision.conflictId);
      if (!entry) return { recorded: false };
      // A client's id is the client's to choose: only the person of the stale edit settles it.
      const person = entry.conflict.mine.userId;
      if (decision.decidedBy && person && decision.decidedBy !== person) return { recorded: false };
      const choices = Object.fromEntries(
        Object.entries(decision.choices).filter(([field]) => Object.hasOwn(entry.conflict.fields, field)),
      );
      if (Object.keys(choices).length === 0) return { recorded: false };
      const facts: DecisionFacts = { choices, ...(decision.values ? { values: decision.values } : {}) };
      state.applied.delete(decision.conflictId);
      if (this.store) {
        const revision = await saveDecision(
          this.store,
          decision.restaurantId,
          decision.conflictId,
          { ...facts, decidedBy: decision.decidedBy ?? entry.conflict.mine.userId, source: 'person' },
          this.now(),
        );
        if (revision === null) return { recorded: false };
        state.own.add(revision);
      }
      const accepted = this.learner.learn(entry.conflict, entry.fields, facts);
      for (const taken of Object.values(accepted)) this.counters[taken ? 'accepted' : 'overridden'] += 1;
      return { recorded: true, accepted };
    });
  }

  /**
   * A suggestion `suggest` said to apply could not be written (someone wrote in between): it is
   * not counted as applied and never becomes an implicit acceptance.
   */
  async notApplied(restaurantId: string, conflictId: string): Promise<void> {
    await this.serially(restaurantId, async (state) => {
      state.applied.delete(conflictId);
      const entry = this.pending.get(pendingKey(restaurantId, conflictId));
      if (entry?.autoApplied) {
        entry.autoApplied = false;
        this.counters.autoApplied -= 1;
      }
      if (this.store && this.learning) await markNotApplied(this.store, restaurantId, conflictId);
    });
  }

  stats(): AssistStats {
    return { ...this.counters };
  }

  decisionsIn(restaurantId: string): number {
    return this.learner.decisionsIn(restaurantId);
  }

  /** Run `fn` after every earlier call for the same restaurant. */
  private serially<T>(restaurantId: string, fn: (state: RestaurantState) => Promise<T>): Promise<T> {
    const state = this.state(restaurantId);
    const run = state.queue.then(() => fn(state));
    state.queue = run.catch(() => {});
    return run;
  }

  private state(restaurantId: string): RestaurantState {
    let state = this.restaurants.get(restaurantId);
    if (state) {
      this.restaurants.delete(restaurantId); // most recently used last
    } else {
      state = { loaded: !this.store, cursor: 0, own: new Set(), applied: new Map(), queue: Promise.resolve() };
    }
    this.restaurants.set(restaurantId, state);
    if (this.restaurants.size > this.maxRestaurants) {
      const [oldest] = this.restaurants.keys();
      if (oldest !== undefined && oldest !== restaurantId) {
        this.restaurants.delete(oldest);
        this.learner.forget(oldest);
      }
    }
    return state;
  }

  /** Learn what other replicas (or an earlier run) recorded, and settle uncorrected applied suggestions. */
  private async catchUp(state: RestaurantState, restaurantId: string, now: number): Promise<void> {
    if (!this.learning) return;
    if (this.store) {
      if (!state.loaded) {
        for (const row of await loadUncorrected(this.store, restaurantId, now - this.implicitAcceptMs, this.history)) {
          state.applied.set(row.conflictId, { ...row, conflict: { ...row.conflict, conflictId: row.conflictId } });
        }
      }
      for (const row of await loadDecided(this.store, restaurantId, state.cursor, this.history)) this.learnStored(state, row);
      for (const revision of state.own) if (revision <= state.cursor) state.own.delete(revision);
      state.loaded = true;
    }
    for (const [conflictId, entry] of state.applied) {
      if (entry.suggestedAt + this.implicitAcceptMs > now) continue;
      state.applied.delete(conflictId);
      const facts = choicesTaking(entry.fields);
      if (this.store) {
        const revision = await saveDecision(
          this.store,
          restaurantId,
          conflictId,
          { ...facts, decidedBy: null, source: 'implicit' },
          now,
          true,
        );
        if (revision === null) continue; // a person decided first; that decision is learned from the store
        // Not the cursor: another replica may have written a decision below this revision since the read.
        state.own.add(revision);
      }
      this.learner.learn(entry.conflict, entry.fields, facts);
      this.counters.implicitlyAccepted += 1;
    }
  }

  private learnStored(state: RestaurantState, row: StoredConflict): void {
    state.cursor = Math.max(state.cursor, row.revision);
    if (state.own.delete(row.revision) || !row.decision) return;
    this.learner.learn(row.conflict, row.fields, row.decision);
  }

  private remember(entry: Pending): void {
    this.pending.set(pendingKey(entry.conflict.restaurantId, entry.conflict.conflictId), entry);
    if (this.pending.size > this.maxPending) {
      const [oldest] = this.pending.keys();
      if (oldest !== undefined) this.pending.delete(oldest);
    }
  }

  private async find(restaurantId: string, conflictId: string): Promise<Pending | null> {
    const inMemory = this.pending.get(pendingKey(restaurantId, conflictId));
    if (inMemory) return inMemory;
    if (!this.store) return null;
    const row = await loadConflict(this.store, restaurantId, conflictId);
    if (!row) return null;
    return {
      conflict: { ...row.conflict, conflictId },
      fields: row.fields,
      autoApplied: row.autoApplied,
      suggestedAt: row.suggestedAt,
    };
  }
}

function pendingKey(restaurantId: string, conflictId: string): string {
  return `${restaurantId}\u0000${conflictId}`;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
