import { applyCompactEvent, type ChangeEvent, type StaffMember } from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { until } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A client's view: the snapshot plus every change event applied in seq order, gaps and repeats counted. */
class View {
  seq: number;
  members = new Map<string, StaffMember>();
  gaps = 0;
  repeats = 0;
  constructor(seq: number, members: StaffMember[]) {
    this.seq = seq;
    for (const m of members) this.members.set(m.id, m);
  }
  apply(event: ChangeEvent): void {
    if (event.seq <= this.seq) {
      this.repeats++;
      return;
    }
    if (event.seq !== this.seq + 1) this.gaps++;
    this.seq = event.seq;
    const member = applyCompactEvent(this.members.get(event.payload.staffId), event);
    if (!member) this.gaps++;
    else if (member.isActive) this.members.set(member.id, member);
    else this.members.delete(member.id);
  }
}

const CLIENTS = 20;
const UPDATES = 50;
const MEMBERS = 5;

for (const driver of await availableDrivers()) {
  describe(`no lost update on ${driver}`, () => {
    let env: DriverServer;
    beforeAll(async () => {
      env = await serverOn(driver, 'lostupdate', { env: { RATE_LIMIT_BURST: '500' } });
    });
    afterAll(() => env.cleanup());

    it(`${CLIENTS} clients x ${UPDATES} concurrent updates to the same ${MEMBERS} members`, async () => {
      const setup = await TestClient.connect(env.server.wsUrl);
      const ids: string[] = [];
      for (let i = 0; i < MEMBERS; i++)
        ids.push(
          ((await setup.request('STAFF_CREATE', { name: `m${i}`, position: 'x' })).payload as { staffId: string }).staffId,
        );
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => TestClient.connect(env.server.wsUrl)));
      const views = await Promise.all(
        clients.map(async (c) => {
          const s = await c.sync();
          return new View(s.seq, s.payload.full ? s.payload.staffMembers : []);
        }),
      );
      const fields = ['name', 'position', 'order', 'color'] as const;
      // Every client fires all its updates at once. Even-numbered clients send the version they
      // saw (so some conflict under merge); odd-numbered ones write blind, as the plan's hook does.
      const sent = clients.flatMap((client, c) =>
        Array.from({ length: UPDATES }, (_, u) => {
          const staffId = ids[(c + u) % MEMBERS] as string;
          const field = fields[(c * 7 + u) % fields.length] as (typeof fields)[number];
          const value = field === 'order' ? c * 1000 + u : `${field}-${c}-${u}`;
          const payload: Record<string, unknown> = { staffId, changes: { [field]: value } };
          if (c % 2 === 0) payload.version = views[c]?.members.get(staffId)?.version ?? 1;
          return { client, n: client.send('STAFF_UPDATE', payload) };
        }),
      );
      const replies = await Promise.all(
        sent.map(({ client, n }) => client.reply(n, 60_000).then((r) => ({ client, n, reply: r }))),
      );
      const acked = replies.filter((r) => r.reply.type === 'ACK');
      expect(replies.every((r) => r.reply.type === 'ACK' || r.reply.type === 'CONFLICT')).toBe(true);
      expect(acked.length).toBeGreaterThan((CLIENTS * UPDATES) / 2);

      const last = Math.max(...acked.map((r) => (r.reply.payload as { seq: number }).seq));
      await until(
        () => clients.every((c) => (c.changes().at(-1)?.seq ?? 0) >= last),
        30_000,
        'every client to receive every change',
      );
      // A client applies the change events that follow its SYNC_RESPONSE (earlier ones are covered by it).
      for (const [i, client] of clients.entries()) {
        const afterSync = client.messages.slice(client.messages.findIndex((m) => m.type === 'SYNC_RESPONSE') + 1);
        for (const e of afterSync)
          if (e.type === 'STAFF_CREATE' || e.type === 'STAFF_UPDATE' || e.type === 'STAFF_DELETE') views[i]?.apply(e);
      }

      const fresh = await TestClient.connect(env.server.wsUrl);
      const truth = await fresh.sync();
      const truthMembers = truth.payload.full ? truth.payload.staffMembers : [];
      await Promise.all([setup, fresh, ...clients].map((c) => c.close()));
      // The embedded database has one process per folder: the server stops before the log is read.
      if (driver === 'pglite') await env.server.stop();

      const log = await env.query<{
        seq: number | string;
        staff_id: string;
        client_id: string;
        sequence_number: number | string;
      }>(`select seq, staff_id, client_id, sequence_number from staff_sync_changes order by seq`);
      // seq has no gap.
      expect(log.map((r) => Number(r.seq))).toEqual(log.map((_, i) => i + 1));
      // Every ACKed change is in the log exactly once, and nothing else from these clients is.
      const logged = new Map<string, number>();
      for (const r of log)
        logged.set(`${r.client_id}|${r.sequence_number}`, (logged.get(`${r.client_id}|${r.sequence_number}`) ?? 0) + 1);
      // Every value sent is unique, so every ACK wrote a change: each is in the log exactly once.
      const ackedKeys = acked.map((r) => `${r.client.clientId}|${r.n}`);
      for (const k of ackedKeys) expect(logged.get(k), k).toBe(1);
      const fromClients = [...logged.keys()].filter((k) => clients.some((c) => k.startsWith(`${c.clientId}|`)));
      expect(fromClients.sort()).toEqual(ackedKeys.sort());

      // Versions match the number of changes to each member.
      const rows = await env.query<{ id: string; version: number }>(`select id, version from staff where id = any($1::uuid[])`, [
        ids,
      ]);
      for (const row of rows) expect(row.version).toBe(log.filter((r) => r.staff_id === row.id).length);

      // Every client's view equals the database, with no gap and no repeat.
      for (const view of views) {
        expect(view.gaps).toBe(0);
        expect(view.repeats).toBe(0);
        expect(view.seq).toBe(truth.seq);
        expect([...view.members.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
          [...truthMembers].sort((a, b) => a.id.localeCompare(b.id)),
        );
      }
      for (const c of clients) expect(c.invalid).toEqual([]);
    });
  });
}
