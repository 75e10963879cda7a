import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Connection strings, tokens and staff names never reach a log line at info
 * level: the redact list is a second line of defence for fields that should not be logged at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'staff-sync' },
      redact: {
        paths: [
          'databaseUrl',
          'redisUrl',
          'authJwtSecret',
          'token',
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
