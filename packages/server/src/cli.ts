#!/usr/bin/env node
import { ConfigError, describeSettings, loadConfig } from './config.ts';
import { backupCommand, checkCommand, restoreCommand } from './ops/commands.ts';
import { exportRoster, importRoster } from './roster-io.ts';
import { startServer } from './server.ts';
import { migrate } from './storage/migrate.ts';
import { openDatabase } from './storage/open.ts';
import { SERVER_VERSION } from './version.ts';

const USAGE = `staff-sync ${SERVER_VERSION}

Usage:
  staff-sync serve [--check] [options]          start the sync server (default command); --check: run
                                                the integrity check once it listens
  staff-sync migrate [options]                  apply database migrations and exit
  staff-sync export [--restaurant ID] [--out FILE] [options]
                                                write the roster as JSON (stdout by default)
  staff-sync import FILE [--restaurant ID] [options]
                                                create or update members from a JSON file
  staff-sync check [--json] [options]           verify seq, versions, rows and the dedupe table;
                                                exit code 1 on any finding
  staff-sync backup [--out FILE] [options]      a consistent snapshot as JSON lines (FILE.gz: gzipped)
  staff-sync restore FILE [options]             restore a backup into an empty database
  staff-sync --help | --version

Every option is also an environment variable:
${describeSettings()}
`;

function takeOption(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const arg = args[i] as string;
  if (arg.includes('=')) {
    args.splice(i, 1);
    return arg.slice(name.length + 1);
  }
  const value = args[i + 1];
  if (value === undefined) throw new ConfigError([`${name} needs a value`]);
  args.splice(i, 2);
  return value;
}

function takeFlag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.includes('--version')) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  const command = args[0] && !args[0].startsWith('--') ? (args.shift() as string) : 'serve';

  if (command === 'serve') {
    const checkAtStart = takeFlag(args, '--check');
    const config = loadConfig(process.env, args);
    const server = await startServer(config, { checkAtStart });
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
    return -1; // keep running
  }

  if (command === 'migrate') {
    const config = loadConfig(process.env, args);
    const db = await openDatabase(config);
    try {
      const applied = await migrate(db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is current\n');
    } finally {
      await db.close();
    }
    return 0;
  }

  if (command === 'export') {
    const restaurant = takeOption(args, '--restaurant');
    const out = takeOption(args, '--out');
    const config = loadConfig(process.env, args);
    await exportRoster(config, restaurant ?? config.defaultRestaurantId, out);
    return 0;
  }

  if (command === 'import') {
    const restaurant = takeOption(args, '--restaurant');
    const file = args[0] && !args[0].startsWith('--') ? (args.shift() as string) : undefined;
    if (!file) throw new ConfigError(['import needs a FILE (JSON: an array of members, or the output of export)']);
    const config = loadConfig(process.env, args);
    const result = await importRoster(config, restaurant ?? config.defaultRestaurantId, file, (line) =>
      process.stderr.write(`${line}\n`),
    );
    return result.failed > 0 ? 1 : 0;
  }

  if (command === 'check') {
    const json = takeFlag(args, '--json');
    return checkCommand(loadConfig(process.env, args), json);
  }

  if (command === 'backup') {
    const out = takeOption(args, '--out');
    return backupCommand(loadConfig(process.env, args), out);
  }

  if (command === 'restore') {
    const file = args[0] && !args[0].startsWith('--') ? (args.shift() as string) : undefined;
    if (!file) throw new ConfigError(['restore needs a FILE (made by staff-sync backup)']);
    return restoreCommand(loadConfig(process.env, args), file);
  }

  process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
  return 2;
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
