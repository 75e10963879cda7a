import { readFile, writeFile } from 'node:fs/promises';
import { envelope, STAFF_FIELDS, validateClientMessage } from '@staff-sync/protocol';
import type { Config } from '../config/settings.ts';
import { applyMutation } from '../engine/apply-mutation.ts';
import { migrate } from '../storage/migrate.ts';
import { openDatabase } from '../storage/open.ts';
import { readSnapshot } from '../storage/staff-queries.ts';

/** `staff-sync export`: the restaurant's active members as JSON, with the seq they reflect. */
export async function exportRoster(config: Config, restaurantId: string, out: string | undefined): Promise<void> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const snapshot = await readSnapshot(db, restaurantId);
    const text = `${JSON.stringify(
      { restaurantId, seq: snapshot.seq, exportedAt: new Date().toISOString(), staffMembers: snapshot.members },
      null,
      2,
    )}\n`;
    if (out) {
      await writeFile(out, text);
      process.stderr.write(`exported ${snapshot.members.length} members (seq ${snapshot.seq}) to ${out}\n`);
    } else process.stdout.write(text);
  } finally {
    await db.close();
  }
}

export interface ImportResult {
  created: number;
  updated: number;
  failed: number;
}

/**
 * `staff-sync import`: each member of the file goes through the same mutation path as a client's
 * (validation, versions, change log, broadcast): created when its id is new, else its fields are
 * written over the current ones. Invalid members are reported and skipped; the rest still land.
 */
export async function importRoster(
  config: Config,
  restaurantId: string,
  file: string,
  progress: (line: string) => void,
): Promise<ImportResult> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const items = Array.isArray(data) ? data : (data as { staffMembers?: unknown })?.staffMembers;
  if (!Array.isArray(items)) throw new Error(`${file} must hold an array of members or an object with staffMembers`);

  const db = await openDatabase(config);
  const result: ImportResult = { created: 0, updated: 0, failed: 0 };
  const clientId = `import-${Date.now().toString(36)}`;
  const ctx = { restaurantId, strategy: 'last-writer-wins' as const };
  try {
    await migrate(db);
    for (const [i, item] of items.entries()) {
      const label = `member ${i + 1}`;
      const fields: Record<string, unknown> = {};
      const source = (item ?? {}) as Record<string, unknown>;
      for (const key of ['id', ...STAFF_FIELDS]) if (source[key] !== undefined) fields[key] = source[key];
      const create = validateClientMessage(envelope('STAFF_CREATE', fields, clientId, 2 * i + 1));
      if (!create.ok) {
        result.failed++;
        progress(`${label}: skipped: ${create.error.message}`);
        continue;
      }
      if (create.value.type !== 'STAFF_CREATE') continue;
      const created = await applyMutation(db, ctx, create.value);
      if (created.type === 'ACK') {
        result.created++;
      } else if (created.type === 'ERROR' && created.payload.fields?.['payload.id'] && typeof fields.id === 'string') {
        const { id, ...changes } = fields;
        const update = validateClientMessage(envelope('STAFF_UPDATE', { staffId: id, changes }, clientId, 2 * i + 2));
        const updated =
          update.ok && update.value.type === 'STAFF_UPDATE' ? await applyMutation(db, ctx, update.value) : undefined;
        if (updated?.type === 'ACK') result.updated++;
        else {
          result.failed++;
          progress(`${label}: not updated: ${update.ok ? JSON.stringify(updated?.payload) : update.error.message}`);
        }
      } else {
        result.failed++;
        progress(`${label}: not created: ${JSON.stringify(created.payload)}`);
      }
      if ((i + 1) % 100 === 0) progress(`${i + 1}/${items.length} processed`);
    }
  } finally {
    await db.close();
  }
  progress(`import done: ${result.created} created, ${result.updated} updated, ${result.failed} failed`);
  return result;
}
