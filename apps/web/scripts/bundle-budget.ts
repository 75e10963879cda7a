/**
 * The bundle budget (docs/design.md: the web app's JavaScript under 120 kB gzipped). Reads the build's
 * manifest, follows the entry's static imports (everything the browser fetches before the app
 * runs), gzips each file at level 9 as a server would send it, and fails above the budget. Also
 * fails when supabase-js is reachable without a dynamic import: it must load only in direct mode.
 * Run after `vite build` (the `build` script does): node apps/web/scripts/bundle-budget.ts [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 120_000;

interface Chunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface BundleReport {
  initial: { file: string; bytes: number; gzipped: number }[];
  initialGzipped: number;
  initialBytes: number;
  css: { file: string; gzipped: number }[];
  lazy: { file: string; src: string | undefined; gzipped: number }[];
  supabaseInInitial: string[];
}

export function measureBundle(dist: string): BundleReport {
  const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>;
  const size = (file: string) => {
    const bytes = readFileSync(join(dist, file));
    return { bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  };
  const initialKeys = new Set<string>();
  const visit = (key: string) => {
    if (initialKeys.has(key)) return;
    initialKeys.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const initial = [...initialKeys].map((key) => ({
    file: (manifest[key] as Chunk).file,
    ...size((manifest[key] as Chunk).file),
  }));
  const css = [...new Set([...initialKeys].flatMap((key) => manifest[key]?.css ?? []))].map((file) => ({
    file,
    gzipped: size(file).gzipped,
  }));
  const lazy = Object.entries(manifest)
    .filter(([key]) => !initialKeys.has(key))
    .map(([, chunk]) => ({ file: chunk.file, src: chunk.src, gzipped: size(chunk.file).gzipped }));
  return {
    initial,
    initialGzipped: initial.reduce((sum, c) => sum + c.gzipped, 0),
    initialBytes: initial.reduce((sum, c) => sum + c.bytes, 0),
    css,
    lazy,
    supabaseInInitial: [...initialKeys].filter((key) => key.includes('@supabase/')),
  };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

if (import.meta.main) {
  const report = measureBundle(join(import.meta.dirname, '../dist'));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log('bundle budget (gzip -9; kB = 1000 bytes):');
    for (const c of report.initial) console.log(`  at start  ${c.file}  ${kB(c.bytes)} minified, ${kB(c.gzipped)} gzipped`);
    for (const c of report.css) console.log(`  at start  ${c.file}  ${kB(c.gzipped)} gzipped (CSS, not counted)`);
    for (const c of report.lazy) console.log(`  on demand ${c.file}  ${kB(c.gzipped)} gzipped (${c.src ?? ''})`);
    console.log(`  JavaScript at start: ${kB(report.initialGzipped)} gzipped of ${kB(BUDGET_BYTES)} allowed`);
  }
  if (report.supabaseInInitial.length > 0) {
    console.error(
      `bundle budget: supabase-js is loaded at start (${report.supabaseInInitial.join(', ')}); import it dynamically`,
    );
    process.exitCode = 1;
  }
  if (report.initialGzipped > BUDGET_BYTES) {
    console.error(`bundle budget: ${kB(report.initialGzipped)} gzipped at start is over the ${kB(BUDGET_BYTES)} budget`);
    process.exitCode = 1;
  }
}
