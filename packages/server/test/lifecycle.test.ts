import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { until } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Restarts, graceful shutdown and crashes: data, seq and ACKed mutations survive all three. */
for (const driver of await availableDrivers()) {
  describe(`lifecycle on ${driver}`, () => {
    let env: DriverServer;
    beforeAll(async () => {
      env = await serverOn(driver, 'lifecycle');
    });
    afterAll(() => env.cleanup());

    it('restart: data and seq survive, and a client resumes with a delta', async () => {
      const a = await TestClient.connect(env.server.wsUrl);
      const { staffId } = (await a.request('STAFF_CREATE', { name: '田中', position: '店長', department: '管理' })).payload as {
        staffId: string;
      };
      await a.request('STAFF_UPDATE', { staffId, changes: { position: 'エリア長' }, version: 1 });
      const before = await a.sync();
      const aClosed = a.closed;
      expect(await env.server.stop('SIGTERM')).toBe(0);
      expect((await aClosed).code).toBe(1012);

      await env.start();
      const b = await TestClient.connect(env.server.wsUrl);
      const after = await b.sync();
      expect(after.seq).toBe(before.seq);
      expect(after.payload).toMatchObject({ full: true, staffMembers: before.payload.full ? before.payload.staffMembers : [] });
      await b.request('STAFF_UPDATE', { staffId, changes: { name: '田中 一郎' }, version: 2 });

      // The first client comes back and asks for what it missed.
      const a2 = await TestClient.connect(env.server.wsUrl, { clientId: a.clientId });
      const delta = await a2.sync({ sinceSeq: before.seq });
      expect(delta.payload).toMatchObject({
        full: false,
        changes: [{ seq: before.seq + 1, type: 'STAFF_UPDATE', payload: { changes: { name: '田中 一郎' }, version: 3 } }],
      });
      await Promise.all([b.close(), a2.close()]);
    });

    it('SIGTERM drains: in-flight mutations finish and are ACKed before 1012; the rest apply once after reconnect', async () => {
      const client = await TestClient.connect(env.server.wsUrl);
      const { staffId } = (await client.request('STAFF_CREATE', { name: 'Drain', position: 'x' })).payload as { staffId: string };
      const sent = Array.from({ length: 40 }, (_, i) => ({
        n: client.send('STAFF_UPDATE', { staffId, changes: { order: i + 1 } }),
        order: i + 1,
      }));
      await client.reply(sent[0]!.n);
      const closed = client.closed;
      const stopped = env.server.stop('SIGTERM');
      expect((await closed).code).toBe(1012);
      expect(await stopped).toBe(0);
      const answered = new Map(
        client.messages
          .filter((m) => m.type === 'ACK' || m.type === 'ERROR' || m.type === 'CONFLICT')
          .map((m) => [(m.payload as { sequenceNumber: number }).sequenceNumber, m.type]),
      );
      expect([...answered.values()].every((t) => t === 'ACK')).toBe(true); // nothing refused for shutting down

      await env.start();
      const again = await TestClient.connect(env.server.wsUrl, { clientId: client.clientId });
      // Re-send everything that was not answered, with the same sequence numbers, as a client's outbox does.
      for (const { n, order } of sent.filter((s) => !answered.has(s.n))) {
        again.send('STAFF_UPDATE', { staffId, changes: { order } }, n);
      }
      for (const { n } of sent.filter((s) => !answered.has(s.n))) expect(await again.reply(n)).toMatchObject({ type: 'ACK' });
      const state = await again.sync();
      const member = state.payload.full ? state.payload.staffMembers.find((m) => m.id === staffId) : undefined;
      // Each of the 40 updates changed `order`, so each was applied exactly once: version 1 + 40.
      expect(member).toMatchObject({ order: 40, version: 41 });
      await again.close();
    });

    it('SIGKILL loses no ACKed mutation', async () => {
      const client = await TestClient.connect(env.server.wsUrl);
      const acked: string[] = [];
      for (let i = 0; i < 10; i++) {
        const reply = await client.request('STAFF_CREATE', { name: `crash-${i}`, position: 'x' });
        if (reply.type === 'ACK') acked.push(reply.payload.staffId);
      }
      const closed = client.closed;
      await env.server.stop('SIGKILL');
      await closed;
      await env.start();
      const reader = await TestClient.connect(env.server.wsUrl);
      const state = await reader.sync();
      const ids = state.payload.full ? state.payload.staffMembers.map((m) => m.id) : [];
      for (const id of acked) expect(ids).toContain(id);
      await reader.close();
    });
    it('SIGKILL while groups of mutations commit: every ACKed one is there once, the re-sent rest applied once', async () => {
      await env.server.stop();
      await env.start({ GROUP_COMMIT_MAX: '64' });
      // 8 clients x 25 creates, all sent at once, so that they queue and commit in groups.
      const clients = await Promise.all(Array.from({ length: 8 }, () => TestClient.connect(env.server.wsUrl)));
      const acked = new Map<string, string>(); // name -> staffId
      const sent = clients.map((client, c) =>
        Array.from({ length: 25 }, (_, i) => {
          const name = `group-${c}-${i}`;
          const n = client.send('STAFF_CREATE', { name, position: 'x' });
          client.reply(n, 60_000).then(
            (reply) => reply.type === 'ACK' && acked.set(name, (reply.payload as { staffId: string }).staffId),
            () => {},
          );
          return { name, n };
        }),
      );
      await until(() => acked.size >= 40, 60_000, '40 ACKs');
      const closed = clients.map((c) => c.closed);
      await env.server.stop('SIGKILL');
      await Promise.all(closed);
      const ackedBefore = new Map(acked);

      await env.start();
      // Each client re-sends what it had no answer for, with the same numbers, as the outbox does.
      const again = await Promise.all(clients.map((c) => TestClient.connect(env.server.wsUrl, { clientId: c.clientId })));
      await Promise.all(
        again.map(async (client, c) => {
          for (const { name, n } of sent[c] ?? []) {
            if (ackedBefore.has(name)) continue;
            client.send('STAFF_CREATE', { name, position: 'x' }, n);
            expect(await client.reply(n, 60_000)).toMatchObject({ type: 'ACK' });
          }
        }),
      );
      const state = await again[0]?.sync();
      const members = state?.payload.full ? state.payload.staffMembers.filter((m) => m.name.startsWith('group-')) : [];
      // Every one of the 200 exactly once, and every ACKed before the crash with the id it was ACKed with.
      expect(members).toHaveLength(200);
      expect(new Set(members.map((m) => m.name)).size).toBe(200);
      for (const [name, id] of ackedBefore) expect(members.find((m) => m.name === name)?.id).toBe(id);
      await Promise.all(again.map((c) => c.close()));
    });
  });
}
