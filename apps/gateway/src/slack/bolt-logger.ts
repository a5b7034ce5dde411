import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '@klaxon/logger';

/** Bolt's logger interface over our winston logger, so Bolt's own lines (e.g. why a signature failed) are redacted and structured. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  // Bolt writes debug lines on every request; turning them into text only when they will be kept spares
  // that work on the hot path.
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) => {
    if (!child.isLevelEnabled(method)) return;
    child[method](messages.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
