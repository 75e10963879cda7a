import { memoryStorage } from '@staff-sync/client';
import { FLAG_NAME, rolloutBucket, rolloutPercent, SyncFlag } from '@staff-sync/react';
import { describe, expect, it } from 'vitest';

describe(`the ${FLAG_NAME} flag`, () => {
  it('reads on, off and percentages from the environment', () => {
    expect([true, 'on', 'TRUE', 'yes'].map(rolloutPercent)).toEqual([100, 100, 100, 100]);
    expect([false, 'off', 'no', '0'].map(rolloutPercent)).toEqual([0, 0, 0, 0]);
    expect(['10', '50%', 100, ' 25 '].map(rolloutPercent)).toEqual([10, 50, 100, 25]);
    expect(['101', 'maybe', '', undefined].map(rolloutPercent)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('puts a user in a stable bucket; 10% < 50% < 100% nest, and the shares come out right', () => {
    // Pinned: FNV-1a of `${FLAG_NAME}:${userKey}`, mod 100. A change of the hash would move users in
    // and out of a running rollout, so it must fail here.
    const pinned = [
      ['user-42', 75],
      ['user-0', 87],
      ['auth|abc', 51],
    ] as const;
    expect(pinned.map(([userKey]) => rolloutBucket(userKey))).toEqual(pinned.map(([, bucket]) => bucket));
    // The same user gets the same answer on another page (a new flag, fresh storage): in from its bucket + 1.
    for (const [userKey, bucket] of pinned) {
      const enabledAt = (percent: number) =>
        new SyncFlag({ envDefault: percent, userKey, storage: memoryStorage() }).getState().enabled;
      expect([enabledAt(bucket), enabledAt(bucket + 1)]).toEqual([false, true]);
    }
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const on = (percent: number) =>
      users.filter((userKey) => new SyncFlag({ envDefault: percent, userKey, storage: memoryStorage() }).getState().enabled);
    const [ten, fifty, all] = [on(10), on(50), on(100)];
    expect(ten.length).toBeGreaterThan(850);
    expect(ten.length).toBeLessThan(1150);
    expect(fifty.length).toBeGreaterThan(4700);
    expect(fifty.length).toBeLessThan(5300);
    expect(all).toHaveLength(10_000);
    const inFifty = new Set(fifty);
    expect(ten.every((u) => inFifty.has(u))).toBe(true);
  });

  it('lets one browser override the rollout, and an emergency rollback beat both, at once', () => {
    const storage = memoryStorage();
    const flag = new SyncFlag({ envDefault: 'off', userKey: 'u', storage });
    let notified = 0;
    flag.subscribe(() => notified++);
    expect(flag.getState()).toMatchObject({ enabled: false, reason: 'default' });
    flag.setOverride(true);
    expect(flag.getState()).toMatchObject({ enabled: true, reason: 'override' });
    // The override is kept for this browser: a new page reads it.
    expect(new SyncFlag({ envDefault: 'off', userKey: 'u', storage }).getState().enabled).toBe(true);
    flag.rollback();
    expect(flag.getState()).toMatchObject({ enabled: false, reason: 'rollback' });
    flag.restore();
    flag.setOverride(null);
    expect(flag.getState()).toMatchObject({ enabled: false, reason: 'default' });
    expect(notified).toBe(4);
  });

  it('follows a remote setting (the fleet-wide rollback) and keeps the last one when it cannot be read', async () => {
    let remote: string | Error = '100';
    const flag = new SyncFlag({
      envDefault: 'off',
      userKey: 'u',
      storage: memoryStorage(),
      remote: { load: async () => (remote instanceof Error ? Promise.reject(remote) : remote), intervalMs: 60_000 },
    });
    await flag.refresh();
    expect(flag.getState()).toMatchObject({ enabled: true, reason: 'remote', percent: 100 });
    remote = 'off';
    await flag.refresh();
    expect(flag.getState()).toMatchObject({ enabled: false, reason: 'remote', percent: 0 });
    remote = new Error('CDN down');
    await flag.refresh();
    expect(flag.getState()).toMatchObject({ enabled: false, percent: 0 });
    flag.dispose();
  });
});
