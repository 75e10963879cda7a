import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/**
 * Enough of the Dockerfile format to run an image's build steps without Docker: each stage gets a
 * folder standing for its filesystem root, COPY copies from the build context (filtered by the
 * .dockerignore) or from an earlier stage, RUN runs the command there with the stage's ENV.
 * Anything else the file uses is an error, so the test cannot silently skip a step.
 */
interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  base: string;
  name: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, base = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ base, name: name ?? String(stages.length), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${upper} before FROM`);
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** `KEY=value KEY2=value2` (values may be quoted). */
function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g))
    env[match[1] as string] = match[3] ?? match[2] ?? '';
  return env;
}

/** .dockerignore patterns as tests on a context-relative path (a match excludes the path and all under it). */
export function ignoreFilter(patterns: string[]): (path: string) => boolean {
  const regexes = patterns.map((p) => {
    const source = p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '§GLOBSTAR§')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/§GLOBSTAR§/g, '(?:.*/)?');
    return new RegExp(`^${source}(?:/.*)?$`);
  });
  return (path) => regexes.some((r) => r.test(path));
}

export interface BuiltStage {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  healthcheck: string[] | undefined;
  cmd: string[] | undefined;
  exposed: string[];
}

/** Run every stage of `stages` under `outDir`, the build context being `context`. */
export function buildStages(
  stages: Stage[],
  context: string,
  ignored: (path: string) => boolean,
  outDir: string,
): Map<string, BuiltStage> {
  const built = new Map<string, BuiltStage>();
  for (const stage of stages) {
    const root = join(outDir, stage.name);
    mkdirSync(root, { recursive: true });
    const state: BuiltStage = {
      root,
      workdir: '/',
      env: {},
      user: undefined,
      healthcheck: undefined,
      cmd: undefined,
      exposed: [],
    };
    const inRoot = (path: string) => join(root, path.startsWith('/') ? path : join(state.workdir, path));
    for (const { keyword, args } of stage.instructions) {
      switch (keyword) {
        case 'WORKDIR':
          state.workdir = args.startsWith('/') ? args : join(state.workdir, args);
          mkdirSync(inRoot('.'), { recursive: true });
          break;
        case 'ENV':
          Object.assign(state.env, parseEnv(args));
          break;
        case 'COPY': {
          const parts = args.split(/\s+/);
          const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
          const paths = parts.filter((p) => !p.startsWith('--'));
          const dest = paths.pop() as string;
          for (const source of paths) {
            const fromStage = from ? built.get(from) : undefined;
            if (from && !fromStage) throw new Error(`COPY --from=${from}: no such stage`);
            const src = fromStage ? join(fromStage.root, source) : join(context, source);
            if (!existsSync(src)) throw new Error(`COPY ${source}: not found`);
            // Docker's rules: a folder's contents go into dest; a file goes into dest/ when dest
            // ends with a slash (or there are several sources), else it becomes dest.
            const destPath = inRoot(dest);
            const target =
              statSync(src).isDirectory() || !(dest.endsWith('/') || paths.length > 1) ? destPath : join(destPath, basename(src));
            cpSync(src, target, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (path) => fromStage !== undefined || !ignored(relative(context, path)),
            });
          }
          break;
        }
        case 'RUN': {
          const result = spawnSync('sh', ['-c', args], {
            cwd: inRoot('.'),
            env: { ...process.env, ...state.env },
            encoding: 'utf8',
            timeout: 300_000,
          });
          if (result.status !== 0) throw new Error(`RUN ${args} failed (${result.status}):\n${result.stdout}${result.stderr}`);
          break;
        }
        case 'USER':
          state.user = args;
          break;
        case 'EXPOSE':
          state.exposed.push(...args.split(/\s+/));
          break;
        case 'HEALTHCHECK':
          state.healthcheck = JSON.parse(args.replace(/^(--\S+\s+)*CMD\s+/, ''));
          break;
        case 'CMD':
          state.cmd = JSON.parse(args);
          break;
        case 'STOPSIGNAL':
          break;
        default:
          throw new Error(`Dockerfile instruction ${keyword} is not understood by this test; teach it`);
      }
    }
    built.set(stage.name, state);
  }
  return built;
}

/** Files under `dir`, relative to it. */
export function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

export function readIgnoreFile(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
