import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { REQUEST_ID_HEADER } from '@klaxon/contracts';
import { runWithContext } from '@klaxon/logger';

export const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Adopts the caller's x-request-id (or makes one), echoes it, and puts it on every log line of the request. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get(REQUEST_ID_HEADER);
  const id = given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  runWithContext({ requestId: id }, next);
};
