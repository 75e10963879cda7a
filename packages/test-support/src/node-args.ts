import { join } from 'node:path';

// A plain path: Vite rewrites `new URL(…, import.meta.url)` into an asset URL in DOM-environment tests.
/** The server package's folder (its CLI, and where its dependencies resolve). */
export const SERVER_DIR = join(import.meta.dirname, '../../server');

/**
 * Node options for the servers and CLI commands a test starts: PGlite's WebAssembly on V8's
 * baseline compiler only. By default V8 also recompiles PGlite's hot functions with its optimizing
 * compiler, in background threads: a process that lives a few seconds (every test server, every
 * CLI command) spends about 2 s of CPU on that, half again its memory, and waits for it at exit,
 * on a two-core machine that runs two test files at once. What runs is the same program; only its
 * speed differs. Benchmarks (not under Vitest) run servers as `npm start` does, without it.
 */
export const TEST_NODE_ARGS: readonly string[] = process.env.VITEST ? ['--liftoff-only'] : [];
