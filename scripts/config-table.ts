// Prints the settings table of docs/configuration.md from the server's own definitions.
// `node scripts/config-table.ts` after changing a setting; a test keeps the doc and the code equal.
import { flagOf } from '../packages/server/src/config/load.ts';
import { SETTINGS } from '../packages/server/src/config/settings.ts';

export function configTable(): string {
  const rows = SETTINGS.map((s) => {
    const def = s.default === undefined ? '(unset)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | \`${flagOf(s.env)}\` | ${def} | ${s.help} |`;
  });
  return ['| variable | flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${configTable()}\n`);
