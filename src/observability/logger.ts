// The process's one logger factory: JSON lines for log pipelines, ISO timestamps, and secrets
// redacted before they reach any sink. main.ts creates one; everything else receives it (or a child).
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** trace, debug, info (default), warn, error, fatal or silent. */
  level?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream | DestinationStream;
}

export const LOG_LEVELS: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

// Bearer tokens and Authorization headers can reach a log line through an error object, a request
// dump or a kubeconfig fragment; pino's redaction paths allow one wildcard segment at a time.
const REDACT_PATHS = [
  'token', '*.token', 'bearerToken', '*.bearerToken', 'password', '*.password',
  'authorization', '*.authorization', 'Authorization', '*.Authorization',
  'headers.authorization', 'headers.Authorization', '*.headers.authorization', '*.headers.Authorization',
];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  // pino's own error for an unknown level ("unknown level x") does not say which ones exist.
  if (!LOG_LEVELS.includes(level)) {
    throw new Error(`invalid log level ${JSON.stringify(level)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const options = {
    level,
    base: { app: 'kscale' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A level name ("warn") instead of a number (40) reads better in any log backend.
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
