import type { ShiftSyncResponsePayload } from '@staff-sync/protocol';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The sample restaurant a newcomer is offered: `serve --sample`, or POST /api/v1/sample from the empty screen. */
describe('the sample restaurant', () => {
  let seeded: ServerProcess;
  let empty: ServerProcess;
  beforeAll(async () => {
    [seeded, empty] = await Promise.all([startServerProcess({ args: ['--sample'] }), startServerProcess()]);
  });
  afterAll(async () => {
    await Promise.all([seeded?.stop(), empty?.stop()]);
  });

  const contents = async (server: ServerProcess) => {
    const client = await TestClient.connect(server.wsUrl);
    try {
      const roster = await client.sync();
      if (!roster.payload.full) throw new Error('expected a full snapshot');
      client.send('SHIFT_SYNC_REQUEST', { periodIndex: roster.payload.period });
      const cells = await client.waitFor((m) => m.type === 'SHIFT_SYNC_RESPONSE');
      const data = (cells.payload as ShiftSyncResponsePayload).scheduleData;
      return {
        members: roster.payload.staffMembers.length,
        cells: Object.values(data).reduce((n, c) => n + Object.keys(c).length, 0),
      };
    } finally {
      await client.close();
    }
  };

  it('serve --sample starts with a roster and the current period filled', async () => {
    const { members, cells } = await contents(seeded);
    expect(members).toBe(12);
    expect(cells).toBeGreaterThanOrEqual(12 * 28);
    expect(seeded.output()).toContain('sample restaurant made');
  });

  it('POST /api/v1/sample fills an empty restaurant once; a second press changes nothing', async () => {
    expect(await contents(empty)).toEqual({ members: 0, cells: 0 });
    const post = (n: number) =>
      fetch(`${empty.url}/api/v1/sample`, { method: 'POST', headers: { 'Idempotency-Key': `sample-button:${n}` } });
    const first = await post(1);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ members: 12 });
    const second = await post(2);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ members: 0, cells: 0 });
    expect((await contents(empty)).members).toBe(12);
  });
});
