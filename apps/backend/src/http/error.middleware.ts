import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { AppError, NotFoundError, toAppError } from '../common/errors';

// body-parser marks its failures with `type`; they are the caller's mistakes, not ours.
function fromBodyParser(error: { type?: string; limit?: number }): AppError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'the request body is not valid JSON');
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, `the request body is larger than the ${error.limit ?? ''} byte limit`.replace('  ', ' '));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('invalid_json', 400, 'send the body as UTF-8 JSON');
    default:
      return null;
  }
}

export const notFound: RequestHandler = (req) => {
  throw new NotFoundError(`no route ${req.method} ${req.path}`);
};

/** The one place errors become `{error, detail}`; a 5xx never carries a stack or SQL. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = fromBodyParser(error as { type?: string }) ?? toAppError(error);
    const fields = { method: req.method, path: req.path, status: appError.status, errorCode: appError.code };
    if (appError.status >= 500) logger.error('request failed', { ...fields, error: appError.cause ?? appError });
    else logger.log(appError.logLevel, 'request refused', { ...fields, detail: appError.detail });
    if (res.headersSent) return;
    const body: ErrorBody = { ...appError.extra, error: appError.code, detail: appError.detail };
    res.status(appError.status).json(body);
  };
}
