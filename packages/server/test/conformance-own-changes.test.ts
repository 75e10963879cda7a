import type { StaffMember } from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Guarantee 6 over a real socket, on every driver: a stale edit is measured against what others
 * wrote since its version, never against the sender's own earlier changes (docs/protocol.md).
 */
for (const driver of await availableDrivers()) {
  describe(`own changes and conflicts on ${driver}`, () => {
    let env: DriverServer;
    const clients: TestClient[] = [];
    const connect = async (clientId?: string) => {
      const client = await TestClient.connect(env.server.wsUrl, clientId ? { clientId } : {});
      clients.push(client);
      return client;
    };
    /** A member at version 1, made by a third client. */
    const member = async () => {
      const reply = await (await connect()).request('STAFF_CREATE', { name: '山田 太郎', position: '料理長' });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      return reply.payload.staffId;
    };
    const update = (client: TestClient, sequenceNumber: number, staffId: string, changes: Record<string, unknown>) =>
      client.reply(client.send('STAFF_UPDATE', { staffId, changes, version: 1 }, sequenceNumber));
    const stored = async (staffId: string) => {
      const state = await (await connect()).sync();
      return state.payload.full ? state.payload.staffMembers.find((m: StaffMember) => m.id === staffId) : undefined;
    };

    beforeAll(async () => {
      env = await serverOn(driver, 'own-changes');
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      for (const c of clients) expect(c.invalid).toEqual([]);
      await env.cleanup();
    });

    it('seq 3 from version 1 is ACKed; seq 4 from version 1 again, after another client changed another field, too', async () => {
      const staffId = await member();
      const a = await connect();
      const b = await connect();
      expect(await update(a, 3, staffId, { name: '山田 一郎' })).toMatchObject({ type: 'ACK', payload: { version: 2 } });
      expect(await b.request('STAFF_UPDATE', { staffId, changes: { position: '副料理長' }, version: 2 })).toMatchObject({
        type: 'ACK',
        payload: { version: 3 },
      });
      expect(await update(a, 4, staffId, { name: '山田 次郎' })).toMatchObject({ type: 'ACK', payload: { version: 4 } });
      expect(await stored(staffId)).toMatchObject({ name: '山田 次郎', position: '副料理長', version: 4 });
    });

    it('the same after a reconnect under the same clientId (an outbox sent after coming back online)', async () => {
      const staffId = await member();
      const first = await connect();
      expect(await update(first, 3, staffId, { name: '山田 一郎' })).toMatchObject({ type: 'ACK' });
      await first.close();
      const b = await connect();
      await b.request('STAFF_UPDATE', { staffId, changes: { position: '副料理長' }, version: 2 });
      const again = await connect(first.clientId);
      expect(await update(again, 4, staffId, { name: '山田 次郎' })).toMatchObject({ type: 'ACK', payload: { version: 4 } });
    });

    it('another client that changed the same field since version 1 is still a CONFLICT, and nothing is written', async () => {
      const staffId = await member();
      const a = await connect();
      const b = await connect();
      expect(await update(a, 3, staffId, { name: '山田 一郎' })).toMatchObject({ type: 'ACK', payload: { version: 2 } });
      await b.request('STAFF_UPDATE', { staffId, changes: { name: '佐藤 花子' }, version: 2 });
      expect(await update(a, 4, staffId, { name: '山田 次郎' })).toMatchObject({
        type: 'CONFLICT',
        payload: { sequenceNumber: 4, baseVersion: 1, conflictingFields: ['name'], current: { name: '佐藤 花子', version: 3 } },
      });
      expect(await stored(staffId)).toMatchObject({ name: '佐藤 花子', version: 3 });
    });
  });
}
