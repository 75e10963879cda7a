import type {
  CellVersions,
  MutationMessage,
  Period,
  PresenceEntry,
  ResolvedInfo,
  Resolves,
  Role,
  StaffMember,
} from '@staff-sync/protocol';
import type { ClientState } from './client-state.ts';
import type { ConnectionState, StateChange } from './connection.ts';
import type { StaffSyncError } from './errors.ts';
import { optimisticView } from './optimistic.ts';
import type { AdoptionReport } from './orphan-outboxes.ts';
import type { Roster } from './roster.ts';
import type { ScheduleSnapshot } from './schedule-store.ts';
import type { TransportKind } from './transport.ts';

/** What a mutation's promise resolves with: the server committed it. */
export interface MutationResult {
  staffId: string;
  /** The member's version after the change. */
  version: number;
  /** The restaurant's seq of the change. */
  seq: number;
  /** The server had applied it before (a re-send after a reconnect): not applied twice. */
  duplicate: boolean;
  /**
   * The change was stale and the server resolved it itself, as it suggested (strategy `assisted`,
   * docs/protocol.md "Suggested resolutions"): what it kept per field, and how sure it was.
   */
  resolved?: ResolvedInfo;
  /** The change's message number: what a `resolves` correcting a `resolved` save names. */
  sequenceNumber?: number;
}

/** What a schedule change's promise resolves with: the server committed it. */
export interface CellResult {
  /** The restaurant's seq of its last cell change. */
  seq: number;
  /** Cells that changed (a cell set to the value it held writes nothing). */
  cells: number;
  /** The version of every cell it named, after it. */
  versions: CellVersions;
  duplicate: boolean;
  /** The change was stale and the server resolved it itself, as it suggested (see MutationResult). */
  resolved?: ResolvedInfo;
  sequenceNumber?: number;
}

/** One cell of a bulk schedule change. */
export interface CellEdit {
  staffId: string;
  dateKey: string;
  /** `null` clears the cell. */
  value: string | null;
  /** The cell's version when the person began this edit; default: the confirmed one now. */
  baseVersion?: number;
}

/** How an update or delete relates to what the person saw. */
export interface EditOptions {
  /**
   * The member's version when the person began this edit (e.g. when the edit form opened). Sent
   * when someone else changed the member since, so the server's conflict strategy decides;
   * versions made by this client's own changes count as seen.
   */
  baseVersion?: number;
  /**
   * This edit settles a conflict: the message that got CONFLICT (`error.sequenceNumber`) or an
   * ACK with `resolved`, and what the person chose per field, so the server learns from it
   * (updates and single cells only; docs/protocol.md "Suggested resolutions").
   */
  resolves?: Resolves;
}

/** An acknowledged mutation still shown from the outbox until its change event arrives. */
export interface Settling {
  message: MutationMessage;
  ackSeq: number;
  staffId: string;
  version: number;
  /** No other writer changed the member between our base version and this ACK. */
  clean: boolean;
}

/**
 * The client's state, immutable: a new object whenever something in it changes, and `members`
 * a new array only when the roster or the pending mutations changed (cheap to compare in React).
 */
export interface StaffSyncSnapshot {
  /** The connection state; changes on every transition. */
  readonly status: ConnectionState;
  /** The open transport, or null when not connected. */
  readonly transport: TransportKind | null;
  /** False until the first full snapshot arrived (isLoading). */
  readonly synced: boolean;
  /** Active members, confirmed plus pending changes, in display order (compareStaff). */
  readonly members: readonly StaffMember[];
  /** The restaurant's schedule periods, from the last full snapshot. */
  readonly periods: readonly Period[];
  /** The last seq applied to the confirmed state. */
  readonly seq: number;
  /** Mutations not yet acknowledged by the server (the outbox). */
  readonly pendingCount: number;
  /** The latest conflict, until the next one (also sent as the `conflict` event). */
  readonly lastConflict: StaffSyncError | null;
  /** The latest error: a rejected mutation, a refused sign-in, giving up (also the `error` event). */
  readonly lastError: StaffSyncError | null;
  /** Who else edits which member (and which schedule cell) now. */
  readonly editors: readonly PresenceEntry[];
  /** The schedule of the period set with `setSchedulePeriod`; null before. */
  readonly schedule: ScheduleSnapshot | null;
  /** From the server's HELLO: `viewer` may read but not change; null before the first HELLO. */
  readonly role: Role | null;
  readonly clientId: string;
}

export interface ClientEvents {
  /** Every connection state change, as `{ oldState, newState }`. */
  state: StateChange;
  /** A mutation was refused with CONFLICT (also when it came from a reloaded outbox). */
  conflict: StaffSyncError;
  /** A mutation was refused with ERROR, the sign-in was refused, or the client gave up. */
  error: StaffSyncError;
  /** A change event skipped seqs; a SYNC_REQUEST { sinceSeq } was sent. */
  resync: { reason: 'gap'; sinceSeq: number; seenSeq: number };
  /** Changes a closed tab of this browser left unsent were delivered by this client (some may be refused). */
  adopted: AdoptionReport;
  /** A server message failed validation and was dropped. */
  invalidMessage: { message: unknown; reason: string };
}

/** What the snapshot is derived from besides the state: the parts that keep their own data. */
export interface SnapshotSources {
  roster: Roster;
  pending: readonly MutationMessage[];
  schedule: ScheduleSnapshot | null;
  clientId: string;
}

/**
 * The snapshot of `state` (as TanStack Query derives a query's result from its state): `members`
 * is rebuilt only when `membersRevision` moved since `previous`, so React can compare it cheaply.
 */
export function deriveSnapshot(
  state: ClientState,
  sources: SnapshotSources,
  previous?: { state: ClientState; snapshot: StaffSyncSnapshot },
): StaffSyncSnapshot {
  const { roster } = sources;
  const members =
    previous && previous.state.membersRevision === state.membersRevision
      ? previous.snapshot.members
      : Object.freeze(optimisticView(roster.members, sources.pending));
  return Object.freeze({
    status: state.status,
    transport: state.transport,
    synced: roster.synced,
    members,
    periods: roster.periods,
    seq: roster.seq,
    pendingCount: state.pendingCount,
    lastConflict: state.lastConflict,
    lastError: state.lastError,
    editors: state.editors,
    schedule: sources.schedule,
    role: state.role,
    clientId: sources.clientId,
  });
}
