import { parseArgs } from 'node:util';
import { crossChecks } from './checks.ts';
import { type Config, HIDDEN_SETTINGS, SETTINGS, type Setting } from './settings.ts';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** `DATABASE_URL` -> `--database-url`. */
export function flagOf(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}

const BOOL_WORDS = /^(1|0|true|false|yes|no|on|off)$/i;

function parseValue(setting: Setting, raw: string, source: string): { value?: unknown; problem?: string } {
  const where = `${source}=${HIDDEN_SETTINGS.has(setting.env) ? '<hidden>' : JSON.stringify(raw)}`;
  switch (setting.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return { problem: `${where}: must be a whole number` };
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) return { problem: `${where}: must be at least ${setting.min}` };
      if (setting.max !== undefined && n > setting.max) return { problem: `${where}: must be at most ${setting.max}` };
      return { value: n };
    }
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) return { problem: `${where}: must be a number` };
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) return { problem: `${where}: must be at least ${setting.min}` };
      if (setting.max !== undefined && n > setting.max) return { problem: `${where}: must be at most ${setting.max}` };
      return { value: n };
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
      if (['0', 'false', 'no', 'off'].includes(v)) return { value: false };
      return { problem: `${where}: must be true or false` };
    }
    case 'enum':
      if (!setting.values?.includes(raw)) return { problem: `${where}: must be one of ${setting.values?.join(', ')}` };
      return { value: raw };
    case 'url': {
      if (raw === '') return { value: undefined };
      try {
        new URL(raw);
        return { value: raw };
      } catch {
        return { problem: `${where}: is not a URL` };
      }
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return { value: items.length ? items : undefined };
    }
    default:
      if (raw === '') return { problem: `${where}: must not be empty` };
      return { value: raw };
  }
}

/** A command's own options besides the settings (`--out FILE`, `--check`). */
export type CommandOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export interface CommandLine {
  /** The positional arguments, the command first when there is one. */
  positionals: string[];
  /** Setting flags by environment variable name, raw. */
  settings: Map<string, string>;
  /** The command's own options. */
  options: Record<string, string | boolean>;
  problems: string[];
}

/**
 * Read the command line once (node:util parseArgs): setting flags (`--port 9000`,
 * `--compression=false`, a bare `--compression` meaning true), the command's own options, and
 * positionals. Unknown options are problems, reported with the rest.
 */
export function parseCommandLine(argv: readonly string[], own: CommandOptions = {}): CommandLine {
  const byFlag = new Map(SETTINGS.map((s) => [flagOf(s.env).slice(2), s]));
  const options: CommandOptions = { ...own };
  for (const [name, setting] of byFlag) options[name] = { type: setting.kind === 'bool' ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const out: CommandLine = { positionals: [], settings: new Map(), options: {}, problems: [] };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token || token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      out.positionals.push(token.value);
      continue;
    }
    const setting = byFlag.get(token.name);
    const spec = options[token.name];
    if (!spec) {
      out.problems.push(`unknown option ${token.rawName}`);
      continue;
    }
    let value = token.value;
    // A boolean flag may be followed by its value as the next word (`--compression false`).
    const next = tokens[i + 1];
    if (value === undefined && spec.type === 'boolean' && next?.kind === 'positional' && BOOL_WORDS.test(next.value)) {
      value = next.value;
      i++;
    }
    if (value === undefined && spec.type === 'string') {
      out.problems.push(`${token.rawName} needs a value`);
      continue;
    }
    if (setting) out.settings.set(setting.env, value ?? 'true');
    else out.options[token.name] = spec.type === 'boolean' ? (value ?? 'true') !== 'false' : (value as string);
  }
  return out;
}

/**
 * Build the configuration from the environment and setting flags (flags win). Every problem is
 * reported at once; unknown flags are problems too. `argv` may be a parsed command line.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] | CommandLine = []): Config {
  const line = Array.isArray(argv) ? parseCommandLine(argv) : (argv as CommandLine);
  const problems = [...line.problems, ...line.positionals.map((p) => `unexpected argument ${JSON.stringify(p)}`)];
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const fromFlag = line.settings.get(setting.env);
    const raw = fromFlag ?? env[setting.env];
    if (raw === undefined || (raw === '' && fromFlag === undefined)) {
      config[setting.key] = setting.default;
      continue;
    }
    const parsed = parseValue(setting, raw, fromFlag !== undefined ? flagOf(setting.env) : setting.env);
    if (parsed.problem) problems.push(parsed.problem);
    else config[setting.key] = parsed.value;
  }
  const result = config as Config;
  if (!problems.length) problems.push(...crossChecks(result));
  if (problems.length) throw new ConfigError(problems);
  return result;
}

/** The settings as text for `--help`. */
export function describeSettings(): string {
  return SETTINGS.map((s) => {
    const def = s.default === undefined ? '(unset)' : String(s.default);
    return `  ${flagOf(s.env).padEnd(30)} ${s.env.padEnd(26)} default ${def}\n      ${s.help}`;
  }).join('\n');
}
