import type { ErrorCode } from '@klaxon/contracts';

/** An error the HTTP edge turns into `{error, detail}`; the detail is written for the caller. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly detail: string,
    options?: { cause?: unknown; extra?: Record<string, unknown> },
  ) {
    super(detail, options);
    this.name = new.target.name;
    this.extra = options?.extra ?? {};
  }

  /** Fields added to `{error, detail}` for the caller (e.g. the current state behind a 409). */
  readonly extra: Record<string, unknown>;

  /** Caller mistakes are expected and must not look like incidents in the log. */
  get logLevel(): 'info' | 'warn' | 'error' {
    return this.status >= 500 ? 'error' : 'info';
  }
}

export class ValidationError extends AppError {
  constructor(detail: string) {
    super('invalid_field', 422, detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string) {
    super('not_found', 404, detail);
  }
}

export class TransitionRefusedError extends AppError {
  constructor(detail: string, current: { status: string; by: string | null; at: string }) {
    super('invalid_transition', 409, detail, { extra: { current } });
  }
}

/** Something still uses what the caller wants gone (a policy names the schedule, a service pages through the policy); nothing was changed. */
export class InUseError extends AppError {
  constructor(detail: string, usedBy: readonly string[]) {
    super('in_use', 409, detail, { extra: { used_by: usedBy } });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail: string) {
    super('unauthorized', 401, detail);
  }
}

/** The key is valid but not for this: a key bound to one tenant acting for another. */
export class ForbiddenError extends AppError {
  constructor(detail: string) {
    super('forbidden', 403, detail);
  }
}

export class RateLimitedError extends AppError {
  /** Set when the error is thrown outside the limiter middleware, which sets `Retry-After` itself. */
  constructor(
    detail: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super('rate_limited', 429, detail);
  }
}

export class DatabaseUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('database_unavailable', 503, 'the database is unreachable; nothing was changed — retry in a few seconds', { cause });
  }
}

// Connection-level failures (server down, restarting, refusing, pool exhausted) as opposed to query bugs.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export function isDatabaseConnectionError(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors are made by Node core and may come from another realm.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/** Anything thrown becomes an AppError: known ones pass through, a lost database is a 503, the rest is internal. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseConnectionError(error)) return new DatabaseUnavailableError(error);
  return new AppError('internal', 500, 'an unexpected error occurred; it has been logged with the request id', { cause: error });
}
