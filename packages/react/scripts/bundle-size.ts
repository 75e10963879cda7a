/**
 * Bundle sizes of the browser code, minified and gzipped: the client core on its own, and the
 * React hooks with the core (React external, supabase-js split into the chunk that direct mode
 * loads on demand). Run: node packages/react/scripts/bundle-size.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'staff-sync-bundle-'));

interface Size {
  file: string;
  minified: number;
  gzipped: number;
}

async function measure(name: string, entry: string): Promise<Size[]> {
  const outdir = join(out, name);
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    target: 'es2022',
    outdir,
    metafile: true,
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    logLevel: 'error',
  });
  return Object.keys(result.metafile.outputs)
    .filter((file) => file.endsWith('.js'))
    .map((file) => {
      const bytes = readFileSync(join(process.cwd(), file));
      return {
        file: file.slice(file.lastIndexOf('/') + 1),
        minified: bytes.length,
        gzipped: gzipSync(bytes, { level: 9 }).length,
      };
    });
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
const client = await measure('client', 'packages/client/src/index.ts');
const hooks = await measure('react', 'packages/react/src/index.ts');
const entryOf = (sizes: Size[]) => sizes.find((s) => s.file === 'index.js') as Size;
const rows = [
  ['client core (`@staff-sync/client`, with protocol and valibot)', entryOf(client)],
  ['hooks + core (`@staff-sync/react` entry; React external)', entryOf(hooks)],
  [
    'direct mode, loaded on demand (supabase-js chunks)',
    hooks
      .filter((s) => s.file !== 'index.js')
      .reduce((sum, s) => ({ file: '', minified: sum.minified + s.minified, gzipped: sum.gzipped + s.gzipped }), {
        file: '',
        minified: 0,
        gzipped: 0,
      }),
  ],
] as const;
console.log('| bundle | minified | gzipped |\n| --- | --- | --- |');
for (const [label, size] of rows) console.log(`| ${label} | ${kb(size.minified)} | ${kb(size.gzipped)} |`);
rmSync(out, { recursive: true, force: true });
