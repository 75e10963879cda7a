import { type ConnectionState, type EditOptions, type MutationResult, StaffSyncError } from '@staff-sync/client';
import {
  applyChanges,
  compareStaff,
  defaultPeriods,
  type Period,
  type StaffChanges,
  type StaffMember,
  type StaffMutationMessage,
  validateClientMessage,
} from '@staff-sync/protocol';
import type { SupabaseClient, SupabaseClientOptions } from '@supabase/supabase-js';
import { fromRow, toColumns } from './staff-row.ts';

export interface DirectStaffOptions {
  /** The restaurant whose `staff` rows to read and write. */
  restaurantId: string;
  /** The app's Supabase client, or a function that makes one. */
  supabase?: SupabaseClient | (() => Promise<SupabaseClient>);
  /** Without `supabase`: the project URL and anon key; `@supabase/supabase-js` is then loaded on first use. */
  supabaseUrl?: string;
  supabaseKey?: string;
  /** Passed to `createClient` (e.g. `global.fetch`). */
  clientOptions?: SupabaseClientOptions<'public'>;
  /** Follow other writers through Supabase Realtime (default true). */
  realtime?: boolean;
  /** The server's PERIODS_START (`YYYY-MM`), for the default periods (default `2025-01`). */
  periodsStart?: string;
  /** How many default periods to list (default 36). */
  periodCount?: number;
}

export interface DirectSnapshot {
  readonly status: ConnectionState;
  readonly synced: boolean;
  readonly members: readonly StaffMember[];
  readonly periods: readonly Period[];
  readonly pendingCount: number;
  readonly lastConflict: StaffSyncError | null;
  readonly lastError: StaffSyncError | null;
}

type Pending = { staffId: string; apply: (members: Map<string, StaffMember>) => void };

/**
 * The direct Supabase mode, as the app worked before the sync server: reads the `staff` table and
 * writes it with a version check (`update ... where id = ? and version = ?`). It is the fallback
 * for the WEBSOCKET_STAFF_MANAGEMENT flag. Writes still go through the database triggers, so every
 * sync client sees them as changes by `database`. supabase-js is imported only when this starts.
 */
export class DirectStaffStore {
  readonly #options: DirectStaffOptions;
  readonly #listeners = new Set<() => void>();
  #client: Promise<SupabaseClient> | undefined;
  #confirmed = new Map<string, StaffMember>();
  #pending: Pending[] = [];
  #snapshot: DirectSnapshot;
  #status: ConnectionState = 'disconnected';
  #synced = false;
  #periods: readonly Period[] = [];
  #lastConflict: StaffSyncError | null = null;
  #lastError: StaffSyncError | null = null;
  #stopRealtime: (() => void) | undefined;
  #refetchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DirectStaffOptions) {
    this.#options = options;
    this.#snapshot = this.#build();
  }

  getSnapshot = (): DirectSnapshot => this.#snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Load the roster (and follow changes by Realtime). */
  async start(): Promise<void> {
    if (this.#status !== 'disconnected') return;
    this.#status = 'connecting';
    this.#publish();
    try {
      const supabase = await this.#supabase();
      await this.refetch();
      this.#status = 'connected';
      if (this.#options.realtime !== false) {
        const channel = supabase
          .channel(`staff-sync-direct-${this.#options.restaurantId}`)
          .on(
            'postgres_changes',
            { event: '*', schema: 'public', table: 'staff', filter: `restaurant_id=eq.${this.#options.restaurantId}` },
            () => this.#refetchSoon(),
          )
          .subscribe();
        this.#stopRealtime = () => void supabase.removeChannel(channel);
      }
    } catch (error) {
      this.#status = 'disconnected';
      this.#lastError = new StaffSyncError('INTERNAL', `the staff table could not be read: ${describe(error)}`, { cause: error });
    }
    this.#publish();
  }

  stop(): void {
    this.#stopRealtime?.();
    this.#stopRealtime = undefined;
    clearTimeout(this.#refetchTimer);
    this.#status = 'disconnected';
    this.#publish();
  }

  /** Read the restaurant's active members and periods again. */
  async refetch(): Promise<void> {
    const supabase = await this.#supabase();
    const { restaurantId } = this.#options;
    const { data, error } = await supabase.from('staff').select('*').eq('restaurant_id', restaurantId).eq('is_active', true);
    if (error) throw error;
    const members = (data ?? []).map((row) => fromRow(row)).filter((m): m is StaffMember => m !== undefined);
    this.#confirmed = new Map(members.map((m) => [m.id, m]));
    this.#periods = await this.#readPeriods(supabase);
    this.#synced = true;
    this.#publish();
  }

  /** `options.baseVersion`: the version the edit started from; the row is written only while it still has it. */
  updateStaff(staffId: string, changes: StaffChanges, options: EditOptions = {}): Promise<MutationResult> {
    return this.#write('STAFF_UPDATE', { staffId, changes }, staffId, options.baseVersion);
  }

  addStaff(fields: Record<string, unknown>): Promise<MutationResult> {
    return this.#write('STAFF_CREATE', { ...fields, id: fields.id ?? crypto.randomUUID() }, undefined);
  }

  deleteStaff(staffId: string, options: EditOptions = {}): Promise<MutationResult> {
    return this.#write('STAFF_DELETE', { staffId }, staffId, options.baseVersion);
  }

  async #write(
    type: StaffMutationMessage['type'],
    payload: Record<string, unknown>,
    staffId: string | undefined,
    baseVersion?: number,
  ): Promise<MutationResult> {
    // The same rules as the sync server, so a change refused there is refused here.
    const parsed = validateClientMessage({
      type,
      payload,
      timestamp: new Date().toISOString(),
      clientId: 'direct',
      sequenceNumber: 1,
    });
    if (!parsed.ok) throw new StaffSyncError(parsed.error.code, parsed.error.message, { fields: parsed.error.fields });
    const message = parsed.value as StaffMutationMessage;
    const base = staffId === undefined ? undefined : this.#view().get(staffId);
    if (staffId !== undefined && !base) throw new StaffSyncError('NOT_FOUND', `staff member ${staffId} does not exist`);
    const pending = this.#optimistic(message);
    this.#pending.push(pending);
    this.#publish();
    try {
      // An edit that began before the version shown now is checked against the older version.
      const from = base && baseVersion !== undefined && baseVersion < base.version ? { ...base, version: baseVersion } : base;
      const member = await this.#send(message, from);
      this.#confirmed.set(member.id, member);
      if (!member.isActive) this.#confirmed.delete(member.id);
      return { staffId: member.id, version: member.version, seq: 0, duplicate: false };
    } catch (error) {
      const failure = error instanceof StaffSyncError ? error : new StaffSyncError('INTERNAL', describe(error), { cause: error });
      if (failure.code === 'CONFLICT') this.#lastConflict = failure;
      else this.#lastError = failure;
      throw failure;
    } finally {
      this.#pending = this.#pending.filter((p) => p !== pending);
      this.#publish();
    }
  }

  async #send(message: StaffMutationMessage, base: StaffMember | undefined): Promise<StaffMember> {
    const supabase = await this.#supabase();
    const { restaurantId } = this.#options;
    if (message.type === 'STAFF_CREATE') {
      const { id, ...fields } = message.payload;
      const row = { id, restaurant_id: restaurantId, ...toColumns(fields) };
      const { data, error } = await supabase.from('staff').insert(row).select();
      if (error) throw error;
      return this.#memberOf(data?.[0]);
    }
    const member = base as StaffMember;
    const changes: StaffChanges = message.type === 'STAFF_UPDATE' ? message.payload.changes : { isActive: false };
    // The version check of the old app: nothing is written when someone changed the row since.
    const { data, error } = await supabase
      .from('staff')
      .update(toColumns(changes))
      .eq('id', member.id)
      .eq('restaurant_id', restaurantId)
      .eq('version', member.version)
      .select();
    if (error) throw error;
    if (data && data.length > 0) return this.#memberOf(data[0]);
    const current = await supabase.from('staff').select('*').eq('id', member.id).eq('restaurant_id', restaurantId).maybeSingle();
    if (current.error) throw current.error;
    if (!current.data) throw new StaffSyncError('NOT_FOUND', `staff member ${member.id} does not exist`);
    const now = this.#memberOf(current.data);
    this.#confirmed.set(now.id, now);
    const attempted = changes as Record<string, unknown>;
    const conflictingFields = Object.keys(attempted).filter(
      (f) => JSON.stringify(now[f as keyof StaffMember]) !== JSON.stringify(member[f as keyof StaffMember]),
    );
    throw new StaffSyncError(
      'CONFLICT',
      `the member changed since version ${member.version} (now ${now.version}); nothing was written`,
      {
        conflict: {
          staffId: member.id,
          strategy: 'first-writer-wins',
          baseVersion: member.version,
          current: now,
          attempted: changes,
          conflictingFields,
        },
      },
    );
  }

  #memberOf(row: unknown): StaffMember {
    const member = row ? fromRow(row as Record<string, unknown>) : undefined;
    if (!member) throw new StaffSyncError('INTERNAL', 'Supabase answered without a valid staff row');
    return member;
  }

  #optimistic(message: StaffMutationMessage): Pending {
    if (message.type === 'STAFF_CREATE') {
      const id = message.payload.id as string;
      const now = message.timestamp;
      const { id: _id, ...fields } = message.payload;
      const draft = applyChanges(
        {
          ...fields,
          id,
          department: '調理',
          status: '社員',
          type: 'regular',
          color: null,
          order: 0,
          startPeriod: null,
          endPeriod: null,
          isActive: true,
          version: 0,
          createdAt: now,
          updatedAt: now,
        } as StaffMember,
        fields,
      );
      return { staffId: id, apply: (m) => void m.set(id, draft) };
    }
    const { staffId } = message.payload;
    const changes: StaffChanges = message.type === 'STAFF_UPDATE' ? message.payload.changes : { isActive: false };
    return {
      staffId,
      apply: (m) => {
        const member = m.get(staffId);
        if (!member) return;
        const next = applyChanges(member, changes);
        if (next.isActive) m.set(staffId, next);
        else m.delete(staffId);
      },
    };
  }

  async #readPeriods(supabase: SupabaseClient): Promise<Period[]> {
    const { data, error } = await supabase
      .from('schedule_periods')
      .select('start_date,end_date,label')
      .eq('restaurant_id', this.#options.restaurantId)
      .order('start_date');
    if (!error && data && data.length > 0) {
      return data.map((r, index) => ({
        index,
        startDate: String(r.start_date),
        endDate: String(r.end_date),
        label: String(r.label),
      }));
    }
    const [year, month] = (this.#options.periodsStart ?? '2025-01').split('-').map(Number) as [number, number];
    return defaultPeriods({ year, month }, this.#options.periodCount ?? 36);
  }

  #supabase(): Promise<SupabaseClient> {
    this.#client ??= (async () => {
      const given = this.#options.supabase;
      if (given) return typeof given === 'function' ? given() : given;
      const { supabaseUrl, supabaseKey } = this.#options;
      if (!supabaseUrl || !supabaseKey) throw new Error('direct mode needs `supabase` or `supabaseUrl` and `supabaseKey`');
      // Loaded only here, so the main bundle carries none of supabase-js.
      const { createClient } = await import('@supabase/supabase-js');
      return createClient(supabaseUrl, supabaseKey, this.#options.clientOptions);
    })();
    return this.#client;
  }

  #refetchSoon(): void {
    clearTimeout(this.#refetchTimer);
    this.#refetchTimer = setTimeout(() => {
      this.refetch().catch((error: unknown) => {
        this.#lastError = new StaffSyncError('INTERNAL', `the staff table could not be read: ${describe(error)}`, {
          cause: error,
        });
        this.#publish();
      });
    }, 50);
  }

  #view(): Map<string, StaffMember> {
    const members = new Map(this.#confirmed);
    for (const pending of this.#pending) pending.apply(members);
    return members;
  }

  #build(): DirectSnapshot {
    return Object.freeze({
      status: this.#status,
      synced: this.#synced,
      members: Object.freeze([...this.#view().values()].sort(compareStaff)),
      periods: this.#periods,
      pendingCount: this.#pending.length,
      lastConflict: this.#lastConflict,
      lastError: this.#lastError,
    });
  }

  #publish(): void {
    this.#snapshot = this.#build();
    for (const listener of this.#listeners) listener();
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
