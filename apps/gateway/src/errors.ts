import type { ErrorBody, TransitionConflictBody } from '@klaxon/contracts';

/** The backend could not be reached, did not answer in time, or failed (5xx): nothing can be assumed to be stored. */
export class BackendUnavailableError extends Error {
  readonly code = 'backend_unavailable';
  /** True when the backend answered (5xx), false when no answer came (refused, timed out): metrics tell them apart. */
  readonly answered: boolean;
  /**
   * True when the request went out and no answer came in time: unlike a refused connection, the backend may
   * still be carrying it out (and a code on its way may yet arrive).
   */
  readonly timedOut: boolean;
  constructor(message: string, options?: { cause?: unknown; answered?: boolean; timedOut?: boolean }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
    this.answered = options?.answered ?? false;
    this.timedOut = options?.timedOut ?? false;
  }
}

/** What a refusal body may carry: the error, and for a 409 where the alert stands now. */
export type RejectionBody = Pick<ErrorBody, 'detail'> & { error: string; current?: TransitionConflictBody['current'] };

/** The backend answered with a 4xx error body: the request itself was refused. */
export class BackendRejectedError extends Error {
  readonly code = 'backend_rejected';
  readonly error: string;
  readonly detail: string;
  constructor(
    readonly status: number,
    readonly body: RejectionBody,
    /** From Retry-After on a 429, in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`backend refused the request (${status} ${body.error}): ${body.detail}`);
    this.name = 'BackendRejectedError';
    this.error = body.error;
    this.detail = body.detail;
  }
}
