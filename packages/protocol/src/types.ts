import type { AssistHello, ConflictSuggestion, ResolvedInfo, Resolves } from './assist.ts';
import type { ErrorCode, FieldErrors } from './errors.ts';
import type {
  CellConflict,
  CellVersions,
  ShiftBroadcastPayload,
  ShiftBulkUpdatePayload,
  ShiftSyncRequestPayload,
  ShiftSyncResponsePayload,
  ShiftUpdatePayload,
} from './schedule-messages.ts';

/** Version of the wire protocol described in docs/protocol.md. */
export const PROTOCOL_VERSION = 1;

export const DEPARTMENTS = ['調理', 'ホール', '管理'] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** Employment type: 社員 (employee), 派遣 (agency), パート (part-time). */
export const STATUSES = ['社員', '派遣', 'パート'] as const;
export type EmploymentStatus = (typeof STATUSES)[number];

export type StaffType = 'regular' | 'part-time';

/** What a sign-in may do: `viewer` reads, `editor` also changes. */
export const ROLES = ['viewer', 'editor'] as const;
export type Role = (typeof ROLES)[number];

/** A month (and optionally a day); month 1..12, day 1..31. */
export interface YMD {
  year: number;
  month: number;
  day?: number;
}

export interface StaffMember {
  id: string;
  name: string;
  position: string;
  department: Department;
  status: EmploymentStatus;
  /** Derived by the server from `status`: 社員 -> regular, else part-time. */
  type: StaffType;
  color: string | null;
  order: number;
  startPeriod: YMD | null;
  endPeriod: YMD | null;
  isActive: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields a client may set on create or change on update. */
export interface StaffFields {
  name: string;
  position: string;
  department: Department;
  status: EmploymentStatus;
  color: string | null;
  order: number;
  startPeriod: YMD | null;
  endPeriod: YMD | null;
  isActive: boolean;
}

export type StaffField = keyof StaffFields;

export const STAFF_FIELDS: readonly StaffField[] = [
  'name',
  'position',
  'department',
  'status',
  'color',
  'order',
  'startPeriod',
  'endPeriod',
  'isActive',
];

export type StaffChanges = Partial<StaffFields>;

export interface Period {
  index: number;
  startDate: string;
  endDate: string;
  label: string;
}

export type ConflictStrategy = 'last-writer-wins' | 'first-writer-wins' | 'merge' | 'user-choice' | 'assisted';
export const CONFLICT_STRATEGIES: readonly ConflictStrategy[] = [
  'last-writer-wins',
  'first-writer-wins',
  'merge',
  'user-choice',
  'assisted',
];

/** Every message on the wire, in both directions. */
export interface Envelope<T extends string = string, P = unknown> {
  type: T;
  payload: P;
  timestamp: string;
  clientId: string;
  sequenceNumber: number;
  seq?: number;
}

// ---- client -> server payloads ----

export interface SyncRequestPayload {
  period?: number;
  sinceSeq?: number;
}

export interface StaffCreatePayload extends Partial<StaffFields> {
  id?: string;
  name: string;
  position: string;
}

export interface StaffUpdatePayload {
  staffId: string;
  changes: StaffChanges;
  version?: number;
  /** The conflict this update settles, and what the person chose (docs/protocol.md). */
  resolves?: Resolves;
}

export interface StaffDeletePayload {
  staffId: string;
  version?: number;
}

/** Presence: what this client is editing now (`staffId` null: nothing). An extension of v1. */
export interface PresenceSetPayload {
  staffId: string | null;
  /** The schedule cell of that member the user is on (the schedule screen), when it is one. */
  dateKey?: string | null;
  userName?: string;
}

export type ClientMessage =
  | Envelope<'SYNC_REQUEST', SyncRequestPayload>
  | Envelope<'STAFF_CREATE', StaffCreatePayload>
  | Envelope<'STAFF_UPDATE', StaffUpdatePayload>
  | Envelope<'STAFF_DELETE', StaffDeletePayload>
  | Envelope<'PING', { timestamp?: string }>
  | Envelope<'PRESENCE_SET', PresenceSetPayload>
  | Envelope<'SYNC_ALL_PERIODS_REQUEST', Record<string, never>>
  | Envelope<'SHIFT_SYNC_REQUEST', ShiftSyncRequestPayload>
  | Envelope<'SHIFT_UPDATE', ShiftUpdatePayload>
  | Envelope<'SHIFT_BULK_UPDATE', ShiftBulkUpdatePayload>;

export type StaffMutationMessage = Extract<ClientMessage, { type: 'STAFF_CREATE' | 'STAFF_UPDATE' | 'STAFF_DELETE' }>;
export type ShiftMutationMessage = Extract<ClientMessage, { type: 'SHIFT_UPDATE' | 'SHIFT_BULK_UPDATE' }>;
/** Every message that changes data, of any collection. */
export type MutationMessage = StaffMutationMessage | ShiftMutationMessage;
export type MutationType = MutationMessage['type'];

// ---- server -> client payloads ----

export interface ChangePayload {
  staffId: string;
  /**
   * The whole member after the change. Absent from the compact STAFF_UPDATE and STAFF_DELETE
   * events a `staff-sync.v2` client gets: it applies `changes` to its copy at `version - 1`.
   */
  staff?: StaffMember;
  changes: StaffChanges;
  version: number;
}

export type ChangeType = 'STAFF_CREATE' | 'STAFF_UPDATE' | 'STAFF_DELETE';
/** A committed change as every subscriber receives it; `seq` is always set. */
export type ChangeEvent = Envelope<ChangeType, ChangePayload> & { seq: number };
/** A committed cell change as every subscriber receives it. */
export type ShiftChangeEvent = Envelope<'SHIFT_BROADCAST', ShiftBroadcastPayload> & { seq: number };
/** A committed change of any collection. */
export type AnyChangeEvent = ChangeEvent | ShiftChangeEvent;

export interface FullSyncPayload {
  full: true;
  period: number;
  periods: Period[];
  staffMembers: StaffMember[];
}

export interface DeltaSyncPayload {
  full: false;
  /** The missed changes of every collection, in seq order. */
  changes: AnyChangeEvent[];
}

export type SyncResponsePayload = FullSyncPayload | DeltaSyncPayload;

export interface AckPayload {
  sequenceNumber: number;
  staffId: string;
  version: number;
  seq: number;
  duplicate?: true;
  /** Under `assisted`: the stale update was resolved as suggested. */
  resolved?: ResolvedInfo;
}

/** The ACK of a schedule change: the new version of every cell it changed. */
export interface ShiftAckPayload {
  sequenceNumber: number;
  seq: number;
  /** Cells written (0 when every cell already held its value). */
  cells: number;
  versions: CellVersions;
  duplicate?: true;
  /** Under `assisted`: the stale cell change was resolved as suggested. */
  resolved?: ResolvedInfo;
}

/** A schedule change refused as a whole: every cell someone else changed since its base version. */
export interface ShiftConflictPayload {
  sequenceNumber: number;
  strategy: ConflictStrategy;
  cells: CellConflict[];
  conflictingFields: ['shiftValue'];
  /** For a single cell (SHIFT_UPDATE): what the server suggests, keyed `shiftValue`. */
  suggestion?: ConflictSuggestion;
}

export interface ConflictPayload {
  sequenceNumber: number;
  staffId: string;
  strategy: ConflictStrategy;
  baseVersion: number;
  current: StaffMember;
  attempted: StaffChanges;
  conflictingFields: string[];
  suggestion?: ConflictSuggestion;
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  sequenceNumber?: number;
  /** Field path to message, for VALIDATION_FAILED (an addition to v1). */
  fields?: FieldErrors;
}

/** Sent once on connect (an addition to v1). */
export interface HelloPayload {
  protocolVersion: number;
  serverVersion: string;
  connectionId: string;
  restaurantId: string;
  role: Role;
  strategy: ConflictStrategy;
  limits: { maxMessageBytes: number; maxOutboxHint: number };
  /** Under the strategy `assisted`: the confidence at or above which suggestions are applied. */
  assist?: AssistHello;
}

export interface PresenceEntry {
  clientId: string;
  userName: string;
  staffId: string;
  /** Set when the user is on one schedule cell of that member. */
  dateKey?: string;
}

/** Who edits what in this restaurant now (an addition to v1); the whole list each time. */
export interface PresencePayload {
  editors: PresenceEntry[];
}

/** Every member active in each period, by period index (the real app's default request). */
export interface SyncAllPeriodsPayload {
  periods: Record<string, StaffMember[]>;
  totalPeriods: number;
}

/** Sent to plain-dialect clients on connect, besides HELLO: the id the connection stands for. */
export interface ConnectionAckPayload {
  status: 'connected';
  clientId: string;
}

export type ServerMessage =
  | Envelope<'SYNC_RESPONSE', SyncResponsePayload>
  | ChangeEvent
  | Envelope<'ACK', AckPayload | ShiftAckPayload>
  | Envelope<'CONFLICT', ConflictPayload | ShiftConflictPayload>
  | Envelope<'ERROR', ErrorPayload>
  | Envelope<'PONG', { timestamp?: string }>
  | Envelope<'HELLO', HelloPayload>
  | Envelope<'PRESENCE', PresencePayload>
  | Envelope<'SYNC_ALL_PERIODS_RESPONSE', SyncAllPeriodsPayload>
  | Envelope<'CONNECTION_ACK', ConnectionAckPayload>
  | Envelope<'SHIFT_SYNC_RESPONSE', ShiftSyncResponsePayload>
  | ShiftChangeEvent;

export type ServerMessageType = ServerMessage['type'];
