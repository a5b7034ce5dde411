import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { REQUEST_ID_HEADER } from '@klaxon/contracts';
import { runWithContext } from '@klaxon/logger';
import { ValidationError } from '../common/errors';

export const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Adopts the caller's x-request-id (or makes one when none is sent), echoes it, and puts it on every log
 * line of the request. A malformed one is refused, not replaced: the id is the idempotency key of a page,
 * and a caller whose retries silently got fresh ids would raise the alert twice (and be counted twice).
 */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get(REQUEST_ID_HEADER);
  const malformed = given !== undefined && !ACCEPTABLE_ID.test(given);
  const id = given !== undefined && !malformed ? given : randomUUID();
  res.locals.requestId = id;
  // An id made here has never been seen before: no earlier request can be replayed under it.
  res.locals.requestIdMadeHere = id !== given;
  res.setHeader(REQUEST_ID_HEADER, id);
  // The refusal is logged under the id we made, so the caller can quote the one echoed back to them.
  const refusal = malformed
    ? new ValidationError(`${REQUEST_ID_HEADER}: 1 to 128 letters, digits, '.', '_', ':' or '-' (got ${given.length} characters); send a valid id, or none and one is made`)
    : undefined;
  runWithContext({ requestId: id }, () => next(refusal));
};
