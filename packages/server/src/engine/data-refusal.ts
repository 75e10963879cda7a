/**
 * A database error that refuses the data rather than fails: SQLSTATE class 22 (data_exception: a
 * number out of range, a character the encoding cannot hold, malformed input) or 23514 (a check
 * constraint of the staff table). Validation at the edge is meant to stop all of these
 * (docs/protocol.md, "What is refused"); one that slips through is the client's input, not an
 * outage: sending it again cannot help, so it is answered VALIDATION_FAILED and is no database
 * error in the metrics.
 */
export interface DataRefusal {
  sqlstate: string;
  /** For the client: what kind of value the database refused, never the value or the schema's names. */
  message: string;
}

const DESCRIPTIONS: Record<string, string> = {
  '22001': 'a text is longer than the database can store',
  '22003': 'a number is out of the range the database can store',
  '22021': 'a text contains a character the database cannot store (U+0000)',
  '22P02': 'a value is not valid input for the database (a malformed number, date or text)',
  '22P05': 'a text contains a character the database cannot store (U+0000 in JSON)',
  '23514': 'the change breaks a rule of the stored data',
};

/** The refusal `error` stands for, or undefined when it is a failure of the database itself. */
export function dataRefusal(error: unknown): DataRefusal | undefined {
  const sqlstate = (error as { code?: unknown } | null)?.code;
  if (typeof sqlstate !== 'string' || !(sqlstate.startsWith('22') || sqlstate === '23514')) return undefined;
  const what = DESCRIPTIONS[sqlstate] ?? 'a value is one the database cannot store';
  return { sqlstate, message: `${what} (SQLSTATE ${sqlstate}); nothing was written, do not send it again unchanged` };
}
