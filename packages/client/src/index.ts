export { Backoff, type BackoffOptions } from './backoff.ts';
export { type Clock, systemClock } from './clock.ts';
export type { ConnectionState, StateChange } from './connection.ts';
export { type CellConflictDetails, type ClientErrorCode, type ConflictDetails, StaffSyncError } from './errors.ts';
export { type HttpTransportOptions, httpTransport, httpTransportWith } from './http-transport.ts';
export { httpUrlFor, type StaffSyncClientOptions } from './options.ts';
export type { AdoptionReport } from './orphan-outboxes.ts';
export type { PacerOptions } from './pacer.ts';
export type { CellMap, ScheduleCell, ScheduleSnapshot } from './schedule-store.ts';
export { browserOnline, browserVisibility, manualSignal, type SignalSource } from './signals.ts';
export type { CellEdit, CellResult, ClientEvents, EditOptions, MutationResult, StaffSyncSnapshot } from './snapshot.ts';
export { StaffSyncClient } from './staff-sync-client.ts';
export { browserStorage, type KeyValueStorage, memoryStorage } from './storage.ts';
export {
  CLOSE_FORBIDDEN,
  type CloseInfo,
  type Transport,
  type TransportCallbacks,
  type TransportFactory,
  type TransportKind,
  type TransportOptions,
} from './transport.ts';
export { uuid } from './uuid.ts';
export { webSocketTransport } from './websocket-transport.ts';
