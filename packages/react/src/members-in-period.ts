import { isInPeriod, type Period, type StaffMember } from '@staff-sync/protocol';

/**
 * The members of one schedule period, in the order given (already display order). `undefined`
 * means every period; an index the restaurant does not have gives nothing.
 */
export function membersInPeriod(
  members: readonly StaffMember[],
  periods: readonly Period[],
  period: number | undefined,
): StaffMember[] {
  if (period === undefined) return [...members];
  const found = periods.find((p) => p.index === period);
  return found ? members.filter((m) => isInPeriod(m, found)) : [];
}
