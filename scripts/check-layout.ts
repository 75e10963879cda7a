// The layout rules of docs/architecture.md, checked on every `npm test`: no source file under
// packages/*/src or apps/*/src over 400 lines, no import circle (type-only imports count: a circle
// of types is still a tangle to read), and packages depend only in the allowed direction.
// `node scripts/check-layout.ts`; exits 1 with the offenders listed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const MAX_LINES = 400;
const root = resolve(import.meta.dirname, '..');

/** Which workspace packages each may import (docs/architecture.md, "Dependency direction"). */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  server: ['protocol'],
  client: ['protocol'],
  react: ['client', 'protocol'],
  web: ['react', 'client', 'protocol'],
  // Test helpers: imported by tests only, never by a package's src.
  'test-support': ['server', 'client', 'protocol'],
};

interface Source {
  /** Package short name: protocol, server, client, react, web. */
  pkg: string;
  file: string;
}

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function workspaceSources(): Source[] {
  const out: Source[] = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      for (const file of sourcesUnder(join(root, group, name, 'src'))) out.push({ pkg: name, file });
    }
  }
  return out;
}

/** The module specifiers a file imports or re-exports, static and dynamic; comments left out. */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Strongly connected components of more than one file (or a file importing itself): the circles. */
export function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) !== idx.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      on.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

function main(): number {
  const sources = workspaceSources();
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const { pkg, file } of sources) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) problems.push(`${rel}: ${lines} lines (at most ${MAX_LINES})`);
    const edges: string[] = [];
    for (const spec of specifiers(text)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (target) edges.push(relative(root, target));
        continue;
      }
      const used = /^@staff-sync\/([^/]+)/.exec(spec)?.[1];
      if (used === undefined || used === pkg) continue;
      if (!(ALLOWED[pkg] ?? []).includes(used)) problems.push(`${rel}: ${pkg} may not import @staff-sync/${used}`);
    }
    graph.set(rel, edges);
  }
  for (const circle of circles(graph)) problems.push(`import circle: ${circle.join(' <-> ')}`);
  if (problems.length === 0) {
    process.stdout.write(`layout: ${sources.length} source files, none over ${MAX_LINES} lines, no import circle\n`);
    return 0;
  }
  process.stderr.write(`layout problems:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
