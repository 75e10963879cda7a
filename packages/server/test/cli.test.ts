import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@staff-sync/test-support/server-process';
import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../src/config/load.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 60_000);

describe('configuration', () => {
  it('has sensible defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      dataDir: './data',
      conflictStrategy: 'merge',
      maxMessageBytes: 65536,
    });
  });

  it('takes the environment, and flags over it', () => {
    const config = loadConfig({ PORT: '9000', CONFLICT_STRATEGY: 'first-writer-wins' }, [
      '--port',
      '9100',
      '--compression=false',
    ]);
    expect(config).toMatchObject({ port: 9100, conflictStrategy: 'first-writer-wins', compression: false });
  });

  it('reports every bad value at once, hiding connection strings', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(
        { PORT: 'eighty', CONFLICT_STRATEGY: 'coin-flip', MAX_MESSAGE_BYTES: '10', DATABASE_URL: 'mysql://u:secret@h/db' },
        ['--bogus'],
      );
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).toEqual([
      'unknown option --bogus',
      'PORT="eighty": must be a whole number',
      'CONFLICT_STRATEGY="coin-flip": must be one of last-writer-wins, first-writer-wins, merge, user-choice, assisted',
      'MAX_MESSAGE_BYTES="10": must be at least 1024',
    ]);
    try {
      loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db' });
    } catch (e) {
      expect(String(e)).toContain('DATABASE_URL: must start with postgres://');
      expect(String(e)).not.toContain('secret');
    }
  });

  it('the server refuses to start with a bad value and says why', () => {
    const result = run(['serve'], { PORT: '99999' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT="99999": must be at most 65535');
  });
});

describe('CLI', () => {
  it('prints help with every setting', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('staff-sync migrate');
    expect(result.stdout).toContain('CONFLICT_STRATEGY');
  });

  it('migrate, import and export round-trip a roster on the embedded database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'staff-sync-cli-'));
    const env = { DATA_DIR: join(dir, 'data') };
    expect(run(['migrate'], env).stdout).toContain('applied: 001_staff_sync.sql');
    expect(run(['migrate'], env).stdout).toContain('schema is current');
    const file = join(dir, 'roster.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: '11111111-1111-4111-8111-111111111111',
          name: '山田',
          position: '料理長',
          status: '社員',
          startPeriod: { year: 2025, month: 4 },
        },
        { name: '佐藤', position: 'ホール係', department: 'ホール', status: 'パート' },
        { name: '', position: 'no name' },
      ]),
    );
    const imported = run(['import', file], env);
    expect(imported.status).toBe(1); // one member was invalid
    expect(imported.stderr).toContain('member 3: skipped');
    expect(imported.stderr).toContain('2 created, 0 updated, 1 failed');
    // Importing again updates the member with an id instead of duplicating it.
    writeFileSync(file, JSON.stringify([{ id: '11111111-1111-4111-8111-111111111111', name: '山田 太郎', position: '料理長' }]));
    expect(run(['import', file], env).stderr).toContain('0 created, 1 updated, 0 failed');
    const out = join(dir, 'export.json');
    expect(run(['export', '--out', out], env).status).toBe(0);
    const exported = JSON.parse(readFileSync(out, 'utf8'));
    expect(exported.seq).toBe(3);
    expect(exported.staffMembers.map((m: { name: string; version: number }) => [m.name, m.version]).sort()).toEqual([
      ['佐藤', 1],
      ['山田 太郎', 2],
    ]);
  }, 180_000); // four processes, each opening the embedded database: slow on a loaded machine

  it('refuses to open an embedded database another process is using', async () => {
    const { startServerProcess } = await import('@staff-sync/test-support/server-process');
    const server = await startServerProcess();
    try {
      const result = run(['export'], { DATA_DIR: server.dataDir });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/in use by process \d+/);
    } finally {
      await server.stop();
    }
  });
});
