import { describe, expect, it } from 'vitest';
import { heartbeatVerdict, pingsPerSweep, sweepEvery } from '../../src/transport/ws/heartbeat.ts';

const settings = { heartbeatIntervalMs: 30_000, heartbeatTimeoutMs: 10_000 };
const connection = (over: { lastSeenAt?: number; pingSentAt?: number; expiresAt?: number }) => ({
  info: { expiresAt: over.expiresAt } as never,
  lastSeenAt: over.lastSeenAt ?? 0,
  pingSentAt: over.pingSentAt,
});

describe('heartbeat', () => {
  it('pings a connection silent for the interval, drops one that left a ping unanswered, closes an expired token', () => {
    expect(heartbeatVerdict(connection({ lastSeenAt: 1_000 }), settings, 30_999)).toBe('alive');
    expect(heartbeatVerdict(connection({ lastSeenAt: 1_000 }), settings, 31_000)).toBe('ping');
    expect(heartbeatVerdict(connection({ pingSentAt: 31_000 }), settings, 41_000)).toBe('alive');
    expect(heartbeatVerdict(connection({ pingSentAt: 31_000 }), settings, 41_001)).toBe('dead');
    expect(heartbeatVerdict(connection({ lastSeenAt: 40_000, expiresAt: 40_000 }), settings, 40_000)).toBe('expired');
  });

  it('sweeps every second at most, every 50 ms at least', () => {
    expect(sweepEvery(settings)).toBe(1000);
    expect(sweepEvery({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 60 })).toBe(50);
  });

  it('spreads the pings of connections that fell due together over several sweeps', () => {
    // 10,000 connections that reconnected together: 667 pings a sweep, all of them within 15 sweeps.
    const budget = pingsPerSweep(10_000, settings);
    expect(budget).toBe(667);
    expect(Math.ceil(10_000 / budget) * sweepEvery(settings)).toBeLessThanOrEqual(settings.heartbeatIntervalMs / 2);
    // A few connections are never held back.
    expect(pingsPerSweep(3, settings)).toBe(16);
  });
});
