// The process's one logger factory: JSON lines for log pipelines, ISO timestamps, and secrets
// redacted before they reach any sink. main.ts creates one; everything else receives it (or a child).
// On a terminal (`npm start`, `npm run demo`) the same records are written as one short readable
// line each; anything that is not a terminal (a pod's stdout, a pipe, a file) gets JSON.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  /** trace, debug, info (default), warn, error, fatal or silent. */
  level?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** json, pretty, or auto (default): pretty when the destination is a terminal. */
  format?: LogFormat;
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
  const sink = opts.destination ?? process.stdout;
  const pretty = opts.format === 'pretty' || (opts.format !== 'json' && (sink as { isTTY?: boolean }).isTTY === true);
  // Pretty lines are made from the JSON record, after redaction: the same fields, fewer characters.
  if (pretty) return pino(options, { write: (line: string) => { sink.write(prettyLine(line)); } });
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

// Fields every line has, shown in the line's head instead of as key=value.
const HEAD_FIELDS = new Set(['time', 'level', 'msg', 'app', 'reconcileID', 'err']);

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** A value as people type it: bare when it has no space or quote, else JSON. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/**
 * One JSON log record as a compact line: local time, level, the object (namespace/name) when the
 * record is about one, the message, then the other fields as key=value. An error's message follows;
 * at error and fatal its stack is added, indented. reconcileID and app are left out (JSON keeps them).
 */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(typeof rec.time === 'string' ? rec.time : Date.now());
  const clock = `${pad2(time.getHours())}:${pad2(time.getMinutes())}:${pad2(time.getSeconds())}`;
  const level = typeof rec.level === 'string' ? rec.level : 'info';
  const about = typeof rec.namespace === 'string' && typeof rec.name === 'string' ? `${rec.namespace}/${rec.name} ` : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !HEAD_FIELDS.has(k) && !(about && (k === 'namespace' || k === 'name')))
    .map(([k, v]) => `${k}=${valueText(v)}`);
  const err = rec.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err.message === 'string') fields.push(`error=${valueText(err.message)}`);
  let line = `${clock} ${level.toUpperCase().padEnd(5)} ${about}${typeof rec.msg === 'string' ? rec.msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
  if (err && typeof err.stack === 'string' && (level === 'error' || level === 'fatal')) {
    line += err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}\n`).join('');
  }
  return line;
}
