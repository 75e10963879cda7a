#!/usr/bin/env node
import { exportRoster, importRoster } from './commands/roster-io.ts';
import { exportSchedules, importSchedules } from './commands/schedule-io.ts';
import { type CommandLine, ConfigError, describeSettings, loadConfig, parseCommandLine } from './config/load.ts';
import { backupCommand, checkCommand, restoreCommand } from './ops/commands.ts';
import { startServer } from './server.ts';
import { migrate } from './storage/migrate.ts';
import { openDatabase } from './storage/open.ts';
import { SERVER_VERSION } from './version.ts';

const USAGE = `staff-sync ${SERVER_VERSION}

Usage:
  staff-sync serve [--sample] [--check] [options]
                                                start the sync server (default command); --sample
                                                fills an empty restaurant with a sample roster and
                                                the current period's schedule; --check runs the
                                                integrity check once it listens
  staff-sync migrate [options]                  apply database migrations and exit
  staff-sync export [--restaurant ID] [--out FILE] [options]
                                                write the roster as JSON (stdout by default)
  staff-sync import FILE [--restaurant ID] [options]
                                                create or update members from a JSON file
  staff-sync import-schedule [--restaurant ID] [options]
                                                adopt the app's schedule documents: cells from each
  staff-sync export-schedule [--restaurant ID] [--out FILE] [--write] [options]
                                                the schedules as the app's documents, from the cells
                                                (--write: also into schedules.schedule_data)
  staff-sync check [--json] [options]           verify seq, versions, rows and the dedupe table;
                                                exit code 1 on any finding
  staff-sync backup [--out FILE] [options]      a consistent snapshot as JSON lines (FILE.gz: gzipped)
  staff-sync restore FILE [options]             restore a backup into an empty database
  staff-sync --help | --version

Every option is also an environment variable:
${describeSettings()}
`;

/** The options of the commands themselves (every command also takes every setting). */
const COMMAND_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  restaurant: { type: 'string' },
  out: { type: 'string' },
  write: { type: 'boolean' },
  sample: { type: 'boolean' },
  check: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

interface Command {
  /** Own options it takes besides the settings. */
  options: readonly (keyof typeof COMMAND_OPTIONS)[];
  /** Positional arguments after the command's name: [min, max]. */
  args: [number, number];
  argsHelp?: string;
  /** Exit code, or -1 to keep running (serve). */
  run(line: CommandLine, args: string[]): Promise<number>;
}

const text = (line: CommandLine, name: string): string | undefined => line.options[name] as string | undefined;

const COMMANDS: Record<string, Command> = {
  serve: {
    options: ['sample', 'check'],
    args: [0, 0],
    async run(line) {
      const server = await startServer(loadConfig(process.env, line), { checkAtStart: line.options.check === true });
      if (line.options.sample === true) await server.seedSample();
      let signals = 0;
      const stop = (signal: string) => {
        // A second signal exits at once, without logging first: when the log destination is what
        // blocks (a stuck stdout), this is the way out.
        if (++signals > 1) process.exit(1);
        server.log.info(`${signal} received`);
        server.shutdown().then(
          () => process.exit(0),
          (error: unknown) => {
            server.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      return -1;
    },
  },
  migrate: {
    options: [],
    args: [0, 0],
    async run(line) {
      const db = await openDatabase(loadConfig(process.env, line));
      try {
        const applied = await migrate(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is current\n');
      } finally {
        await db.close();
      }
      return 0;
    },
  },
  export: {
    options: ['restaurant', 'out'],
    args: [0, 0],
    async run(line) {
      const config = loadConfig(process.env, line);
      await exportRoster(config, text(line, 'restaurant') ?? config.defaultRestaurantId, text(line, 'out'));
      return 0;
    },
  },
  import: {
    options: ['restaurant'],
    args: [1, 1],
    argsHelp: 'import needs a FILE (JSON: an array of members, or the output of export)',
    async run(line, [file]) {
      const config = loadConfig(process.env, line);
      const result = await importRoster(config, text(line, 'restaurant') ?? config.defaultRestaurantId, file as string, (l) =>
        process.stderr.write(`${l}\n`),
      );
      return result.failed > 0 ? 1 : 0;
    },
  },
  'import-schedule': {
    options: ['restaurant'],
    args: [0, 0],
    async run(line) {
      const result = await importSchedules(loadConfig(process.env, line), text(line, 'restaurant'), (l) =>
        process.stderr.write(`${l}\n`),
      );
      return result.skipped > 0 ? 1 : 0;
    },
  },
  'export-schedule': {
    options: ['restaurant', 'out', 'write'],
    args: [0, 0],
    async run(line) {
      const options = { restaurant: text(line, 'restaurant'), out: text(line, 'out'), write: line.options.write === true };
      await exportSchedules(loadConfig(process.env, line), options, (l) => process.stderr.write(`${l}\n`));
      return 0;
    },
  },
  check: {
    options: ['json'],
    args: [0, 0],
    run: (line) => checkCommand(loadConfig(process.env, line), line.options.json === true),
  },
  backup: {
    options: ['out'],
    args: [0, 0],
    run: (line) => backupCommand(loadConfig(process.env, line), text(line, 'out')),
  },
  restore: {
    options: [],
    args: [1, 1],
    argsHelp: 'restore needs a FILE (made by staff-sync backup)',
    run: (line, [file]) => restoreCommand(loadConfig(process.env, line), file as string),
  },
};

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, COMMAND_OPTIONS);
  if (line.options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (line.options.version) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  const [name = 'serve', ...args] = line.positionals;
  const command = COMMANDS[name];
  if (!command || !Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  for (const option of Object.keys(line.options)) {
    if (!(command.options as readonly string[]).includes(option)) problems.push(`--${option} is not an option of ${name}`);
  }
  const [min, max] = command.args;
  if (args.length < min) problems.push(command.argsHelp ?? `${name} needs ${min} argument(s)`);
  if (args.length > max) problems.push(`unexpected argument ${JSON.stringify(args[max])}`);
  if (problems.length) throw new ConfigError([...line.problems, ...problems]);
  return command.run({ ...line, positionals: [] }, args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`staff-sync: ${error.message}\n`);
    else process.stderr.write(`staff-sync: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
