import { randomUUID } from 'node:crypto';
import type { AckPayload, ConflictPayload, ShiftAckPayload, ShiftConflictPayload } from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageOf } from '../src/dispatch/session.ts';

describe('the language of a suggestion’s reason', () => {
  it('is ?lang= when given, else the best Japanese or English tag of Accept-Language, else Japanese', () => {
    expect(languageOf('ja-JP,ja;q=0.9', 'en')).toBe('en');
    expect(languageOf('en-US,en;q=0.9,ja;q=0.8', null)).toBe('en');
    expect(languageOf('fr-FR, ja;q=0.5, en;q=0.4', null)).toBe('ja');
    expect(languageOf('en;q=0, ja;q=0.1', null)).toBe('ja');
    expect(languageOf('de-DE', 'xx')).toBe('ja');
    expect(languageOf(undefined, null)).toBe('ja');
  });
});

/**
 * docs/protocol.md "Suggested resolutions" over a real socket: every shape (CONFLICT with a
 * suggestion, ACK with `resolved`, HELLO's strategy and `assist`, `resolves` recorded, ignored or
 * refused) and the change log's who and how, under the strategy `assisted`, on every driver.
 */
for (const driver of await availableDrivers()) {
  describe(`suggested resolutions on ${driver}`, () => {
    let env: DriverServer;
    const clients: TestClient[] = [];
    /** Conflicts whose change-log rows the last test reads (the server is stopped by then). */
    const autoResolved: { restaurant: string; seq: number; user: string }[] = [];
    const personResolved: { restaurant: string; seq: number; conflictId: string }[] = [];

    const signIn = async (restaurant: string, who: { sub: string; name: string; job?: string }, query = '') => {
      const token = await hs256Token({ restaurant, role: 'editor', sub: who.sub, name: who.name, job: who.job });
      const client = await TestClient.connect(env.server.wsUrl, {
        query: `token=${encodeURIComponent(token)}${query ? `&${query}` : ''}`,
      });
      clients.push(client);
      return client;
    };
    /** A restaurant of its own (nothing learned yet), with 佐藤 (manager) and 鈴木 (editor) signed in. */
    const restaurant = async (query = '') => {
      const id = `r-${randomUUID().slice(0, 8)}`;
      const sato = await signIn(id, { sub: `sato-${id}`, name: '佐藤', job: 'manager' });
      const suzuki = await signIn(id, { sub: `suzuki-${id}`, name: '鈴木', job: 'editor' }, query);
      return { id, sato, suzuki };
    };
    const create = async (client: TestClient, fields: Record<string, unknown>) => {
      const reply = await client.request('STAFF_CREATE', { position: 'ホール係', ...fields });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      return reply.payload;
    };
    const metric = (event: string) =>
      metricValue(env.server.url, 'staff_sync_assist_suggestions_total', { event }).catch(() => 0);

    beforeAll(async () => {
      env = await serverOn(driver, 'assist-conformance', {
        env: { CONFLICT_STRATEGY: 'assisted', AUTH_JWT_SECRET: TEST_JWT_SECRET },
      });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      for (const c of clients) expect(c.invalid).toEqual([]); // every server message matched the schemas
      await env.cleanup();
    });

    it('HELLO carries the strategy assisted and the threshold', async () => {
      const { sato } = await restaurant();
      const hello = await sato.waitFor((m) => m.type === 'HELLO');
      expect(hello.payload).toMatchObject({ strategy: 'assisted', assist: { confidence: 0.9 } });
    });

    it('a clean three-way merge of a name is applied: ACK with resolved, the merged value written', async () => {
      const { id, sato, suzuki } = await restaurant();
      const member = await create(sato, { name: '佐籐' });
      const fix = await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐藤' } });
      expect(fix.type).toBe('ACK');
      const seqNumber = suzuki.send('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐籐 花子' } });
      const reply = await suzuki.reply(seqNumber);
      expect(reply.type).toBe('ACK');
      const ack = reply.payload as AckPayload;
      expect(ack.resolved).toEqual({ basis: { name: 'merged' }, confidence: expect.any(Number) });
      expect(ack.resolved!.confidence).toBeGreaterThanOrEqual(0.9);
      expect(ack.version).toBe(3);
      const update = await sato.waitFor((m) => m.type === 'STAFF_UPDATE' && m.seq === ack.seq);
      expect(update.payload).toMatchObject({ staff: { name: '佐藤 花子', version: 3 } });
      // A repeat of the message gets the same resolution, without writing again.
      suzuki.send('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐籐 花子' } }, seqNumber);
      const repeat = await suzuki.waitFor(
        (m) => m.type === 'ACK' && m.payload.sequenceNumber === seqNumber && m.payload.duplicate === true,
      );
      expect(repeat.payload).toMatchObject({ version: 3, seq: ack.seq, resolved: ack.resolved });
      autoResolved.push({ restaurant: id, seq: ack.seq, user: `suzuki-${id}` });
    });

    it('a merged name beside an unsure field: CONFLICT with the merged suggestion below the threshold', async () => {
      const { sato, suzuki } = await restaurant();
      const member = await create(sato, { name: '佐籐', position: '洗い場' });
      await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐藤', position: '店長' } });
      const reply = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: 1,
        changes: { name: '佐籐 花子', position: 'キッチン補助' },
      });
      expect(reply.type).toBe('CONFLICT');
      const conflict = reply.payload as ConflictPayload;
      expect(conflict.strategy).toBe('assisted');
      expect(conflict.conflictingFields).toEqual(['name', 'position']);
      expect(conflict.suggestion).toBeDefined();
      const suggestion = conflict.suggestion!;
      expect(suggestion.basis.name).toBe('merged');
      expect(suggestion.changes.name).toBe('佐藤 花子');
      expect(['mine', 'theirs']).toContain(suggestion.basis.position);
      expect(suggestion.confidence).toBeGreaterThan(0);
      expect(suggestion.confidence).toBeLessThan(0.9);
      // In Japanese (the default): who changed it, by name.
      expect(suggestion.reason).toContain('佐藤');
      expect(conflict.current).toMatchObject({ name: '佐藤', position: '店長', version: 2 });
    });

    it('values equal once normalized keep what is there: ACK with resolved, no write, current version and seq', async () => {
      const { sato, suzuki } = await restaurant();
      const member = await create(sato, { name: 'Hanako' });
      const first = await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: 'Sato Hanako' } });
      const firstAck = first.payload as AckPayload;
      const reply = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: 1,
        changes: { name: 'ｓａｔｏ　 hanako' },
      });
      expect(reply.type).toBe('ACK');
      const ack = reply.payload as AckPayload;
      expect(ack.resolved).toMatchObject({ basis: { name: 'theirs' } });
      expect(ack.resolved!.confidence).toBeGreaterThanOrEqual(0.9);
      expect(ack).toMatchObject({ version: firstAck.version, seq: firstAck.seq, staffId: member.staffId });
      // Nothing was written: the next change of the restaurant comes right after.
      const next = await sato.request('STAFF_UPDATE', { staffId: member.staffId, changes: { position: '料理長' } });
      expect(next.payload).toMatchObject({ version: firstAck.version + 1, seq: firstAck.seq + 1 });
    });

    it('below the threshold: CONFLICT with a suggestion and its reason in the client language', async () => {
      const { sato, suzuki } = await restaurant('lang=en');
      const member = await create(sato, { name: '山田', position: '洗い場' });
      await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { position: '店長' } });
      const reply = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: 1,
        changes: { position: 'ホール係' },
      });
      expect(reply.type).toBe('CONFLICT');
      const { suggestion } = reply.payload as ConflictPayload;
      expect(suggestion).toMatchObject({ confidence: expect.any(Number), reason: expect.stringContaining('changed') });
      expect(suggestion!.confidence).toBeLessThan(0.9);
      expect(Object.keys(suggestion!.basis)).toEqual(['position']);
    });

    it('resolves is recorded when its mutation is ACKed; naming nothing, it is ignored', async () => {
      const { id, sato, suzuki } = await restaurant();
      const member = await create(sato, { name: '山田', position: '洗い場' });
      await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { position: '店長' } });
      const conflictSeq = suzuki.send('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { position: 'ホール係' } });
      const conflict = (await suzuki.reply(conflictSeq)).payload as ConflictPayload;
      const settled = [(await metric('accepted')) + (await metric('overridden'))];
      // The person keeps their own value, from the current version, and says so.
      const reply = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: conflict.current.version,
        changes: { position: 'ホール係' },
        resolves: { sequenceNumber: conflictSeq, choices: { position: 'mine' } },
      });
      expect(reply.type).toBe('ACK');
      const ack = reply.payload as AckPayload;
      expect(ack.resolved).toBeUndefined();
      settled.push((await metric('accepted')) + (await metric('overridden')));
      expect(settled[1]).toBe(settled[0]! + 1);
      personResolved.push({ restaurant: id, seq: ack.seq, conflictId: `${suzuki.clientId}:${conflictSeq}` });

      // A resolves naming a message that got no CONFLICT changes nothing else about the mutation.
      const ignored = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: ack.version,
        changes: { position: '料理長' },
        resolves: { sequenceNumber: 9999, choices: { position: 'theirs' } },
      });
      expect(ignored).toMatchObject({ type: 'ACK', payload: { version: ack.version + 1 } });
      expect((await metric('accepted')) + (await metric('overridden'))).toBe(settled[1]);
      // Choosing "theirs" is sending the current value at the current version: ACKed without a write.
      const same = await suzuki.request('STAFF_UPDATE', {
        staffId: member.staffId,
        version: ack.version + 1,
        changes: { position: '料理長' },
      });
      expect(same.payload).toMatchObject({ version: ack.version + 1, seq: (ignored.payload as AckPayload).seq });
    });

    it('an invalid resolves is refused with VALIDATION_FAILED and changes nothing', async () => {
      const { sato } = await restaurant();
      const member = await create(sato, { name: '山田' });
      const bad = [
        { sequenceNumber: 'one', choices: { position: 'mine' } },
        { sequenceNumber: 1, choices: { position: 'maybe' } },
        { sequenceNumber: 1, choices: {} },
        { sequenceNumber: 1, choices: { position: 'mine' }, extra: true },
        [{ sequenceNumber: 1 }],
      ];
      for (const resolves of bad) {
        const reply = await sato.request('STAFF_UPDATE', {
          staffId: member.staffId,
          version: 1,
          changes: { name: 'X' },
          resolves,
        });
        expect(reply).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED' } });
        expect(Object.keys((reply.payload as { fields?: object }).fields ?? {}).join()).toContain('resolves');
      }
      const sync = await sato.sync();
      if (!sync.payload.full) throw new Error('expected a full snapshot');
      expect(sync.payload.staffMembers.find((m) => m.id === member.staffId)).toMatchObject({ name: '山田', version: 1 });
    });

    it('a schedule cell: CONFLICT with a suggestion keyed shiftValue; the same text in two widths is resolved', async () => {
      const { sato, suzuki } = await restaurant();
      const member = await create(sato, { name: '田中', status: 'パート' });
      const cell = { staffId: member.staffId, dateKey: '2026-03-10' };
      await sato.request('SHIFT_UPDATE', { ...cell, shiftValue: '×', version: 0 });
      const conflict = await suzuki.request('SHIFT_UPDATE', { ...cell, shiftValue: '○', version: 0 });
      expect(conflict.type).toBe('CONFLICT');
      const payload = conflict.payload as unknown as ShiftConflictPayload;
      expect(payload.strategy).toBe('assisted');
      expect(Object.keys(payload.suggestion!.basis)).toEqual(['shiftValue']);
      expect(payload.suggestion!.confidence).toBeLessThan(0.9);

      const other = { staffId: member.staffId, dateKey: '2026-03-11' };
      const first = (await sato.request('SHIFT_UPDATE', { ...other, shiftValue: '研修A', version: 0 }))
        .payload as unknown as ShiftAckPayload;
      const reply = await suzuki.request('SHIFT_UPDATE', { ...other, shiftValue: '研修Ａ', version: 0 });
      expect(reply.type).toBe('ACK');
      const ack = reply.payload as unknown as ShiftAckPayload;
      expect(ack).toMatchObject({ cells: 0, seq: first.seq, resolved: { basis: { shiftValue: 'theirs' } } });
      expect(ack.versions[member.staffId]?.[other.dateKey]).toBe(1);
    });

    it('a plain-dialect client gets the same answers, with the extra fields it may ignore', async () => {
      const id = `r-${randomUUID().slice(0, 8)}`;
      const sato = await signIn(id, { sub: `sato-${id}`, name: '佐藤', job: 'manager' });
      const token = await hs256Token({ restaurant: id, role: 'editor', sub: `plain-${id}`, name: '高橋' });
      const plain = await TestClient.connect(env.server.wsUrl, { query: `token=${encodeURIComponent(token)}`, protocols: [] });
      clients.push(plain);
      const member = await create(sato, { name: '佐籐' });
      await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐藤' } });
      const reply = await plain.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { name: '佐籐 花子' } });
      expect(reply).toMatchObject({ type: 'ACK', payload: { version: 3, resolved: { basis: { name: 'merged' } } } });
    });

    it('over the HTTP API: 409 with the suggestion in Accept-Language, then resolves in the body', async () => {
      const { id, sato } = await restaurant();
      const member = await create(sato, { name: '山田', position: '洗い場' });
      await sato.request('STAFF_UPDATE', { staffId: member.staffId, version: 1, changes: { position: '店長' } });
      const token = await hs256Token({ restaurant: id, role: 'editor', sub: `suzuki-${id}`, name: '鈴木', job: 'editor' });
      const patch = (key: string, body: unknown) =>
        fetch(`${env.server.url}/api/v1/staff/${member.staffId}`, {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'accept-language': 'en-US,en;q=0.9',
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
        });
      const refused = await patch('http-suzuki:1', { version: 1, changes: { position: 'ホール係' } });
      expect(refused.status).toBe(409);
      const conflict = (await refused.json()) as { payload: ConflictPayload };
      expect(conflict.payload.suggestion?.reason).toContain('changed');
      const before = (await metric('accepted')) + (await metric('overridden'));
      const settled = await patch('http-suzuki:2', {
        version: conflict.payload.current.version,
        changes: { position: 'ホール係' },
        resolves: { sequenceNumber: 1, choices: { position: 'mine' } },
      });
      expect(settled.status).toBe(200);
      expect((await metric('accepted')) + (await metric('overridden'))).toBe(before + 1);
    });

    it('counts suggestions and applied ones in the metrics', async () => {
      expect(await metric('suggested')).toBeGreaterThanOrEqual(5);
      expect(await metric('auto_applied')).toBeGreaterThanOrEqual(3);
    });

    it('the change log records who made each change and how a resolution was decided', async () => {
      if (driver === 'pglite') await env.server.stop(); // one process per PGlite folder
      for (const { restaurant, seq, user } of autoResolved) {
        const [row] = await env.query<{ user_id: string; resolution: { how: string; resolved: unknown } }>(
          'select user_id, resolution from staff_sync_changes where restaurant_id = $1 and seq = $2',
          [restaurant, seq],
        );
        expect(row).toMatchObject({ user_id: user, resolution: { how: 'assisted', resolved: { basis: { name: 'merged' } } } });
      }
      for (const { restaurant, seq, conflictId } of personResolved) {
        const [row] = await env.query<{ user_role: string; resolution: { how: string; conflict: string } }>(
          'select user_role, resolution from staff_sync_changes where restaurant_id = $1 and seq = $2',
          [restaurant, seq],
        );
        expect(row).toMatchObject({ user_role: 'editor', resolution: { how: 'person', conflict: conflictId } });
        const [stored] = await env.query<{ decision: { choices: unknown; source: string } }>(
          'select decision from staff_sync_assist_conflicts where restaurant_id = $1 and conflict_id = $2',
          [restaurant, conflictId],
        );
        expect(stored?.decision).toMatchObject({ choices: { position: 'mine' }, source: 'person' });
      }
      expect(autoResolved.length + personResolved.length).toBe(2);
    });
  });
}
