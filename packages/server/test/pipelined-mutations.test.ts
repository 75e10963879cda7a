import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * With group commit on, a connection's staff mutations are pipelined: the next one starts once
 * the one before it is queued for commit (docs/architecture.md, "Group commit"), so that one
 * client's burst commits in a few groups instead of one commit each. Nothing may change for the
 * client: outcomes in the order sent, seqs in that order, the last write wins, a refused one
 * alone refused, and a message that is not a mutation still sees every mutation sent before it.
 */
for (const driver of await availableDrivers()) {
  describe(`pipelined mutations of one connection on ${driver}`, () => {
    let env: DriverServer;
    beforeAll(async () => {
      env = await serverOn(driver, 'pipelined', { env: { GROUP_COMMIT_MAX: '64', RATE_LIMIT_BURST: '1000' } });
    });
    afterAll(() => env.cleanup());

    it('commits a burst in groups, answered and sequenced in the order sent, the last write winning', async () => {
      const client = await TestClient.connect(env.server.wsUrl);
      const created = await client.request('STAFF_CREATE', { name: '順番', position: 'ホール' });
      const { staffId } = created.payload as { staffId: string };
      const groupsBefore = await metricValue(env.server.url, 'staff_sync_commit_group_size_count');
      const answers: number[] = [];
      client.ws.on('message', (data: Buffer) => {
        for (const m of [JSON.parse(data.toString())].flat() as { type: string; payload: { sequenceNumber?: number } }[])
          if ((m.type === 'ACK' || m.type === 'ERROR') && m.payload.sequenceNumber !== undefined)
            answers.push(m.payload.sequenceNumber);
      });
      // 60 blind updates sent at once, one of them refused by the rules (an unknown member).
      const sent = Array.from({ length: 60 }, (_, i) =>
        i === 30
          ? client.send('STAFF_UPDATE', { staffId: '6f1c1d2e-0000-4000-8000-000000000000', changes: { order: i + 1 } })
          : client.send('STAFF_UPDATE', { staffId, changes: { order: i + 1 } }),
      );
      // A sync sent right after them must see all of them.
      client.send('SYNC_REQUEST', {});
      const replies = await Promise.all(sent.map((n) => client.reply(n)));
      expect(replies.map((r) => (r.type === 'ERROR' ? r.payload.code : r.type))).toEqual(
        sent.map((_, i) => (i === 30 ? 'NOT_FOUND' : 'ACK')),
      );
      // Answered in the order sent, with seqs in that order, gap-free.
      expect(answers.slice(0, 60)).toEqual(sent);
      const seqs = replies.flatMap((r) => (r.type === 'ACK' ? [(r.payload as { seq: number }).seq] : []));
      expect(seqs).toEqual(Array.from({ length: 59 }, (_, i) => (seqs[0] as number) + i));
      const snapshot = await client.waitFor((m) => m.type === 'SYNC_RESPONSE');
      const payload = snapshot.payload as { full: boolean; staffMembers: { id: string; order: number; version: number }[] };
      expect(payload.staffMembers.find((m) => m.id === staffId)).toMatchObject({ order: 60, version: 60 });
      // And in fewer commits than mutations.
      const groups = (await metricValue(env.server.url, 'staff_sync_commit_group_size_count')) - groupsBefore;
      expect(groups).toBeLessThan(60);
      await client.close();
    });
  });
}
