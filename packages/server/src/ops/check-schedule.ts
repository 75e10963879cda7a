import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../storage/db.ts';
import { type Clock, systemClock } from '../storage/reconnect.ts';
import { type CheckOptions, type CheckReport, formatReport, runIntegrityCheck } from './integrity-check.ts';

export interface CheckScheduleOptions extends CheckOptions {
  /** Run once at start (`serve --check`). */
  atStart: boolean;
  /** Then every this many ms; 0: never (CHECK_INTERVAL_MS). */
  intervalMs: number;
  clock?: Clock;
}

/**
 * The integrity check inside a running server: at start with `serve --check`, and on a schedule
 * with CHECK_INTERVAL_MS. The result goes to the log (findings at error level, with the report)
 * and to the metrics; serving goes on either way, since a finding is for an operator to look into.
 * One run at a time; the next is scheduled when the last one ended.
 */
export class CheckSchedule {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #options: CheckScheduleOptions;
  readonly #clock: Clock;
  #timer: unknown;
  #running: Promise<CheckReport | undefined> | undefined;
  #stopped = false;

  constructor(db: Db, log: Logger, metrics: Metrics, options: CheckScheduleOptions) {
    this.#db = db;
    this.#log = log;
    this.#metrics = metrics;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.#options.atStart) void this.run();
    else this.#next();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    await this.#running;
  }

  /** Run the check now (or join the run under way). */
  run(): Promise<CheckReport | undefined> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = undefined;
      this.#next();
    });
    return this.#running;
  }

  #next(): void {
    if (this.#stopped || this.#options.intervalMs <= 0) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => void this.run(), this.#options.intervalMs);
  }

  async #runOnce(): Promise<CheckReport | undefined> {
    try {
      const report = await runIntegrityCheck(this.#db, this.#options);
      this.#metrics.checkFindings.set(report.findings.length);
      this.#metrics.checkLastRun.set(Math.floor(this.#clock.now() / 1000));
      const fields = { findings: report.findings.length, notes: report.notes.length, restaurants: report.restaurants.length };
      if (report.findings.length) this.#log.error({ ...fields, report: formatReport(report) }, 'integrity check found problems');
      else this.#log.info(fields, 'integrity check passed');
      return report;
    } catch (error) {
      this.#metrics.databaseErrors.inc({ operation: 'check' });
      this.#log.warn({ err: error }, 'integrity check could not run; will try at the next interval');
      return undefined;
    }
  }
}
