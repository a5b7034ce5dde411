/** The backend could not be reached or did not answer in time: nothing can be assumed to be stored. */
export class BackendUnavailableError extends Error {
  readonly code = 'backend_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/** The backend answered with an error body: the request itself was refused. */
export class BackendRejectedError extends Error {
  readonly code = 'backend_rejected';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: string,
  ) {
    super(`backend refused the request (${status} ${error}): ${detail}`);
    this.name = 'BackendRejectedError';
  }
}
