export const SERVICE_KEY_HEADER = 'x-service-key';
/** Also the idempotency key of POST /alert: a repeated request id returns the first answer. */
export const REQUEST_ID_HEADER = 'x-request-id';
