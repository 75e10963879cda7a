export type {
  AdoptionReport,
  CellConflictDetails,
  CellEdit,
  CellMap,
  CellResult,
  ConnectionState,
  MutationResult,
  ScheduleCell,
  ScheduleSnapshot,
  StaffSyncClientOptions,
  StaffSyncSnapshot,
} from '@staff-sync/client';
export { StaffSyncClient, StaffSyncError, uuid } from '@staff-sync/client';
export { type StaffSyncContextValue, useStaffSyncClient } from './context.ts';
export { type DirectSnapshot, type DirectStaffOptions, DirectStaffStore } from './direct/direct-staff-store.ts';
export {
  FLAG_NAME,
  type FlagSetting,
  type FlagState,
  rolloutBucket,
  rolloutPercent,
  SyncFlag,
  type SyncFlagOptions,
} from './feature-flag.ts';
export { membersInPeriod } from './members-in-period.ts';
export { StaffSyncProvider, type StaffSyncProviderProps } from './provider.ts';
export { useDirectStaff } from './use-direct-staff.ts';
export { type Schedule, useSchedule } from './use-schedule.ts';
export { type ManagedStaff, useStaffManagement } from './use-staff-management.ts';
export { type NewStaff, type StaffManagement, useWebSocketStaff } from './use-web-socket-staff.ts';
