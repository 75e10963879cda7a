import { serverOn } from '@staff-sync/test-support/drivers';
import { postgresAvailable } from '@staff-sync/test-support/services';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { describe, expect, it } from 'vitest';

/**
 * Writes that bypass the server (a SQL console, the old Supabase path) are versioned and broadcast
 * like any other, and a later client edit from the old version is decided by the strategy. Needs
 * a second connection to the database, so it runs on PostgreSQL.
 */
describe.runIf(await postgresAvailable())('writes made straight in the database (PostgreSQL)', () => {
  it('an UPDATE in SQL reaches clients as STAFF_UPDATE from "database", and a stale save conflicts', async () => {
    const env = await serverOn('postgres', 'sqlwrites');
    try {
      const editor = await TestClient.connect(env.server.wsUrl);
      const watcher = await TestClient.connect(env.server.wsUrl);
      const { staffId } = (await editor.request('STAFF_CREATE', { name: '鈴木', position: 'ホール係', department: 'ホール' }))
        .payload as { staffId: string };
      await watcher.sync();

      await env.query(`update staff set name = $1, version = 1 where id = $2`, ['鈴木 次郎', staffId]);
      const event = await watcher.waitFor((m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === staffId);
      expect(event).toMatchObject({
        clientId: 'database',
        payload: { version: 2, changes: { name: '鈴木 次郎' }, staff: { name: '鈴木 次郎', version: 2 } },
      });
      await editor.waitFor((m) => m.type === 'STAFF_UPDATE' && m.clientId === 'database');

      // The editor's form still holds version 1: its save of the name is not applied silently.
      const stale = await editor.request('STAFF_UPDATE', { staffId, changes: { name: '鈴木 三郎' }, version: 1 });
      expect(stale).toMatchObject({
        type: 'CONFLICT',
        payload: { conflictingFields: ['name'], current: { name: '鈴木 次郎', version: 2 } },
      });
      // A stale save of another field merges on top.
      expect(await editor.request('STAFF_UPDATE', { staffId, changes: { position: '主任' }, version: 1 })).toMatchObject({
        type: 'ACK',
        payload: { version: 3 },
      });

      // Inserts and hard deletes in SQL are broadcast too.
      await env.query(`insert into staff (restaurant_id, name, position) values ($1, 'SQL 花子', '洗い場')`, [
        '00000000-0000-0000-0000-000000000001',
      ]);
      await watcher.waitFor(
        (m) => m.type === 'STAFF_CREATE' && m.clientId === 'database' && m.payload.staff?.name === 'SQL 花子',
      );
      await env.query(`delete from staff where id = $1`, [staffId]);
      await watcher.waitFor((m) => m.type === 'STAFF_DELETE' && m.payload.staffId === staffId && m.clientId === 'database');
      const seqs = watcher.changes().map((c) => c.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
      await Promise.all([editor.close(), watcher.close()]);
    } finally {
      await env.cleanup();
    }
  });
});
