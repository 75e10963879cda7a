// The assisted-resolution benchmark through a real server (bench/assist-live.ts): each traced
// conflict is made over the protocol by signed-in people (tokens with their restaurant, name and
// job) on a fresh member or cell: the base written first, the other edit committed ("theirs", or an
// SQL write for an edit made in the database), then the stale edit ("mine") sent from the base
// version. The server's answer is the suggestion: CONFLICT with `suggestion`, or ACK with
// `resolved` (applied; the values it wrote are read back). A decision goes back as the person's
// settling mutation with `resolves`, as the web app sends it.

import type { AckPayload, ConflictPayload, ShiftAckPayload, ShiftConflictPayload } from '@staff-sync/protocol';
import { hs256Token } from '@staff-sync/test-support/tokens';
import { TestClient } from '@staff-sync/test-support/ws-client';
import type postgres from 'postgres';
import type { ConflictInput, DecisionInput, Edit, Suggestion } from '../../packages/server/src/assist/index.ts';
import type { Resolver } from './prequential.ts';

/** Staff fields as the `staff` table's columns (for edits made in the database). */
const COLUMNS: Record<string, string> = {
  name: 'name',
  position: 'position',
  department: 'department',
  status: 'status',
  order: 'staff_order',
  startPeriod: 'start_period',
  endPeriod: 'end_period',
};
const JSON_COLUMNS = new Set(['start_period', 'end_period']);
const CELL = 'value';
const WIRE_CELL = 'shiftValue';

interface Pending {
  client: TestClient;
  sequenceNumber: number;
  collection: string;
  staffId: string;
  dateKey: string;
  version: number;
}

export interface LiveOptions {
  wsUrl: string;
  secret: string;
  sql: postgres.Sql;
  /** Added to every trace time, so that the trace ends now (times the server sees are real). */
  shiftMs: number;
}

type Reply =
  | { type: 'ACK'; payload: AckPayload | ShiftAckPayload }
  | { type: 'CONFLICT'; payload: ConflictPayload | ShiftConflictPayload }
  | { type: 'ERROR'; payload: { code: string; message: string } };

export class LiveResolver implements Resolver {
  readonly #o: LiveOptions;
  readonly #clients = new Map<string, Promise<TestClient>>();
  readonly #pending = new Map<string, Pending>();
  /** Conflicts the server could not be made to have (a value it refuses): not scored. */
  readonly skipped: { conflictId: string; why: string }[] = [];

  constructor(options: LiveOptions) {
    this.#o = options;
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) await (await client).close();
  }

  /** The connection of one person (or the setup user) of a restaurant, signed in, kept for the run. */
  #client(restaurantId: string, edit: Pick<Edit, 'userId' | 'userName' | 'role' | 'clientId'>): Promise<TestClient> {
    const key = `${restaurantId}|${edit.clientId}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = hs256Token(
        {
          restaurant: restaurantId,
          role: 'editor',
          sub: edit.userId ?? `setup-${restaurantId}`,
          name: edit.userName ?? 'setup',
          ...(edit.role ? { job: edit.role } : {}),
          expiresIn: 24 * 3600,
        },
        this.#o.secret,
      ).then((token) =>
        TestClient.connect(this.#o.wsUrl, { clientId: edit.clientId, query: `token=${encodeURIComponent(token)}` }),
      );
      this.#clients.set(key, client);
    }
    return client;
  }

  #at(iso: string): string {
    return new Date(Date.parse(iso) + this.#o.shiftMs).toISOString();
  }

  /** Send with the given timestamp (the edit's time) and wait for the reply naming it. */
  async #send(client: TestClient, type: string, payload: unknown, at?: string): Promise<Reply> {
    const sequenceNumber = client.nextSequence++;
    client.sendRaw(
      JSON.stringify({ type, payload, timestamp: at ?? new Date().toISOString(), clientId: client.clientId, sequenceNumber }),
    );
    return (await client.reply(sequenceNumber, 30_000)) as Reply;
  }

  async suggest(conflict: ConflictInput): Promise<{ suggestion: Suggestion; autoApply: boolean }> {
    const setup = await this.#client(conflict.restaurantId, {
      userId: null,
      userName: null,
      role: null,
      clientId: `setup-${conflict.restaurantId}`,
    });
    const cell = conflict.collection === 'shift';
    const field = (values: 'base' | 'mine' | 'theirs') =>
      Object.fromEntries(Object.entries(conflict.fields).map(([f, v]) => [f, v[values]]));
    // A fresh member for each conflict: nothing left over from the last one.
    const base = field('base');
    const created = await this.#send(setup, 'STAFF_CREATE', {
      name: typeof base.name === 'string' ? base.name : 'ベンチ',
      position: typeof base.position === 'string' ? base.position : '係',
      ...(cell ? {} : Object.fromEntries(Object.entries(base).filter(([f]) => f !== 'name' && f !== 'position'))),
    });
    if (created.type !== 'ACK' || !('staffId' in created.payload))
      return this.#skip(conflict, `create: ${JSON.stringify(created.payload)}`);
    const staffId = created.payload.staffId;
    const dateKey = cell ? conflict.key.split('/')[1]! : '';
    let version = 1;
    if (cell) {
      version = 0;
      if (base[CELL] !== null) {
        const set = await this.#send(setup, 'SHIFT_UPDATE', { staffId, dateKey, shiftValue: base[CELL], version: 0 });
        if (set.type !== 'ACK') return this.#skip(conflict, `cell base: ${JSON.stringify(set.payload)}`);
        version = 1;
      }
    }
    // The other edit, committed first.
    const theirs = field('theirs');
    if (conflict.theirs.clientId === 'database') {
      await this.#sqlEdit(conflict, staffId, dateKey, theirs);
    } else {
      const client = await this.#client(conflict.restaurantId, conflict.theirs);
      const at = this.#at(conflict.theirs.at);
      const reply = cell
        ? await this.#send(client, 'SHIFT_UPDATE', { staffId, dateKey, shiftValue: theirs[CELL], version }, at)
        : await this.#send(client, 'STAFF_UPDATE', { staffId, version, changes: theirs }, at);
      if (reply.type !== 'ACK') return this.#skip(conflict, `theirs: ${JSON.stringify(reply.payload)}`);
    }
    // The stale edit, from the base version: the server suggests, and may apply.
    const mineClient = await this.#client(conflict.restaurantId, conflict.mine);
    const mine = field('mine');
    const sequenceNumber = mineClient.nextSequence;
    const reply = cell
      ? await this.#send(
          mineClient,
          'SHIFT_UPDATE',
          { staffId, dateKey, shiftValue: mine[CELL], version },
          this.#at(conflict.mine.at),
        )
      : await this.#send(mineClient, 'STAFF_UPDATE', { staffId, version, changes: mine }, this.#at(conflict.mine.at));
    const pending: Pending = { client: mineClient, sequenceNumber, collection: conflict.collection, staffId, dateKey, version };
    this.#pending.set(`${conflict.restaurantId}|${conflict.conflictId}`, pending);
    if (reply.type === 'CONFLICT') {
      const wire = reply.payload.suggestion;
      if (!wire) return this.#skip(conflict, 'CONFLICT without a suggestion');
      pending.version = 'cells' in reply.payload ? reply.payload.cells[0]!.current.version : reply.payload.current.version;
      return { suggestion: fromWire(wire), autoApply: false };
    }
    if (reply.type === 'ACK' && reply.payload.resolved) {
      const { basis, confidence } = reply.payload.resolved;
      pending.version = 'versions' in reply.payload ? reply.payload.versions[staffId]![dateKey]! : reply.payload.version;
      // The values it wrote, read back: a merge is known only from them.
      const now = await this.#read(conflict, staffId, dateKey);
      const changes = Object.fromEntries(
        Object.entries(fromWire({ changes: {}, basis, confidence, reason: '' }).basis)
          .filter(([, b]) => b !== 'theirs')
          .map(([f]) => [f, now[f]]),
      );
      return {
        suggestion: { changes, basis: fromWire({ changes: {}, basis, confidence, reason: '' }).basis, confidence, reason: '' },
        autoApply: true,
      };
    }
    return this.#skip(conflict, `mine: ${JSON.stringify(reply.payload)}`);
  }

  async record(decision: DecisionInput): Promise<unknown> {
    const pending = this.#pending.get(`${decision.restaurantId}|${decision.conflictId}`);
    if (!pending) return undefined;
    const values = decision.values ?? {};
    const resolves = {
      sequenceNumber: pending.sequenceNumber,
      choices: Object.fromEntries(Object.entries(decision.choices).map(([f, c]) => [f === CELL ? WIRE_CELL : f, c])),
    };
    const { client, staffId, dateKey, version } = pending;
    const reply =
      pending.collection === 'shift'
        ? await this.#send(client, 'SHIFT_UPDATE', { staffId, dateKey, shiftValue: values[CELL] ?? null, version, resolves })
        : await this.#send(client, 'STAFF_UPDATE', { staffId, version, changes: values, resolves });
    return reply.type;
  }

  /** A conflict the server cannot be made to have: scored as nothing (the caller leaves it out). */
  #skip(conflict: ConflictInput, why: string): { suggestion: Suggestion; autoApply: boolean } {
    this.skipped.push({ conflictId: conflict.conflictId ?? '?', why: why.slice(0, 200) });
    return { suggestion: { changes: {}, basis: {}, confidence: Number.NaN, reason: 'skipped' }, autoApply: false };
  }

  /** An edit made outside the server, in SQL; its change-log row gets the edit's time. */
  async #sqlEdit(conflict: ConflictInput, staffId: string, dateKey: string, values: Record<string, unknown>): Promise<void> {
    const { sql } = this.#o;
    await sql.begin(async (tx) => {
      if (conflict.collection === 'shift') {
        await tx.unsafe(
          `insert into schedule_cells (restaurant_id, staff_id, date, value) values ($1, $2, $3, $4)
           on conflict (restaurant_id, staff_id, date) do update set value = excluded.value`,
          [conflict.restaurantId, staffId, dateKey, values[CELL] as string | null],
        );
      } else {
        for (const [field, value] of Object.entries(values)) {
          const column = COLUMNS[field]!;
          const param = JSON_COLUMNS.has(column) ? (value === null ? null : JSON.stringify(value)) : value;
          await tx.unsafe(`update staff set ${column} = $1${JSON_COLUMNS.has(column) ? '::jsonb' : ''} where id = $2`, [
            param as string,
            staffId,
          ]);
        }
      }
      await tx.unsafe(
        `update staff_sync_changes set edited_at = $1 where restaurant_id = $2 and staff_id = $3 and client_id = 'database'`,
        [this.#at(conflict.theirs.at), conflict.restaurantId, staffId],
      );
    });
  }

  async #read(conflict: ConflictInput, staffId: string, dateKey: string): Promise<Record<string, unknown>> {
    const { sql } = this.#o;
    if (conflict.collection === 'shift') {
      const [row] = await sql.unsafe(
        'select value from schedule_cells where restaurant_id = $1 and staff_id = $2 and date = $3',
        [conflict.restaurantId, staffId, dateKey],
      );
      return { [CELL]: row?.value ?? null };
    }
    const [row] = await sql.unsafe('select * from staff where id = $1', [staffId]);
    return Object.fromEntries(Object.entries(COLUMNS).map(([field, column]) => [field, row?.[column] ?? null]));
  }
}

/** A wire suggestion as the engine names fields (a cell's `shiftValue` is `value`). */
function fromWire(s: Suggestion): Suggestion {
  const rename = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k === WIRE_CELL ? CELL : k, v])) as Record<string, T>;
  return { ...s, changes: rename(s.changes), basis: rename(s.basis) };
}
