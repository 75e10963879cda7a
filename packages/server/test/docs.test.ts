import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../../scripts/config-table.ts';

const doc = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('docs match the code', () => {
  it('docs/configuration.md lists every setting as the code defines it', () => {
    expect(doc('docs/configuration.md')).toContain(configTable());
  });

  it('docs/protocol.md documents every message type and error code', async () => {
    const { clientPayloadSchemas, serverMessageSchema, ERROR_CODES } = await import('@staff-sync/protocol');
    const text = doc('docs/protocol.md');
    for (const type of Object.keys(clientPayloadSchemas)) expect(text).toContain(`\`${type}\``);
    for (const option of serverMessageSchema.options) expect(text).toContain(`\`${option.entries.type.literal}\``);
    for (const code of ERROR_CODES) expect(text).toContain(`\`${code}\``);
  });
});
