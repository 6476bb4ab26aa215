import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go. Default: stderr, so a CLI's stdout stays for its own output. */
  destination?: DestinationStream;
}

/**
 * Structured JSON logs. Children carry `runId`, `sessionId`, `userId` (and later `traceId`) from
 * their first line: create them with `logger.child({ runId, ... })`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.KEEL_LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { service: 'keel' },
      // Secrets are never logged on purpose; this catches the obvious accidental ones.
      // A cookie carries the dashboard's session token, as good as a key until it ends.
      redact: {
        paths: [
          'apiKey',
          '*.apiKey',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
          'cookie',
          '*.cookie',
          'headers.cookie',
          'req.headers.cookie',
          'headers["set-cookie"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything (tests, benchmarks). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
