import winston from 'winston';
import type { Writable } from 'node:stream';
import { redact, redactString } from './redact';
import { currentContext } from './request-context';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  format?: 'pretty' | 'json';
  /** Where lines go; stdout by default (supervisord and containers collect it). Tests pass a stream to read the log. */
  stream?: Writable;
}

const BASE_KEYS = new Set(['level', 'message', 'timestamp', 'service']);

// Runs on every line before it is written, so no transport ever sees a secret or a full phone number.
const redaction = winston.format((info) => {
  const context = currentContext();
  const safe = redact({ ...context, ...info }) as Record<string, unknown>;
  for (const key of Object.keys(safe)) (info as Record<string, unknown>)[key] = safe[key];
  info.message = redactString(String(info.message));
  return info;
});

const pretty = winston.format.printf((info) => {
  // A field left undefined says nothing; JSON drops it, and so does the pretty form (no `from=undefined`).
  const fields = Object.entries(info)
    .filter(([key, value]) => !BASE_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(info.timestamp).slice(11, 23)} ${info.level.padEnd(5)} [${String(info.service)}] ${String(info.message)}${fields ? ` ${fields}` : ''}`;
});

export function createLogger({ service, level = 'info', format = 'pretty', stream }: LoggerOptions): Logger {
  // Winston drops a line below the level only at the transport, after every format ran: without this
  // first step each debug and info line would be redacted and serialised for nothing (a tenth of the
  // backend's JavaScript time in a storm at LOG_LEVEL=warn). It reads the level at each line, so a
  // level changed later still counts.
  const enabled = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const logger: Logger = winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      enabled(),
      redaction(),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : pretty,
    ),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
  return logger;
}
