/** The closed set of error codes the backend answers with. */
export const ERROR_CODES = [
  'invalid_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid_transition',
  'in_progress',
  'in_use',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_field',
  'rate_limited',
  'verification_failed',
  'not_sent',
  'database_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error response body: a stable code and a sentence a person can act on. */
export interface ErrorBody {
  error: ErrorCode;
  detail: string;
}
