import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import { REQUEST_ID_HEADER } from '@klaxon/contracts';
import { AppError } from '../errors';

export interface PagingLimits {
  /** Pages one Slack user may raise per window (across all targets). */
  perUser: number;
  /** Pages one tenant may raise per window, whoever raises them. */
  perTenant: number;
  windowMs: number;
}

export class RateLimitedError extends AppError {
  constructor(detail: string) {
    super('rate_limited', 429, detail);
  }
}

// Recently counted request ids: a retried forward (same x-request-id) answers as the first one did and is
// not counted again. Bounded, oldest dropped first.
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return false;
  }
}

interface PageBody {
  tenant_id?: unknown;
  slack?: { user_id?: unknown };
}
const bodyOf = (req: Request): PageBody => (typeof req.body === 'object' && req.body !== null ? (req.body as PageBody) : {});
const tenantOf = (req: Request): string => String(bodyOf(req).tenant_id ?? '');
const slackUserOf = (req: Request): string | null => {
  const user = bodyOf(req).slack?.user_id;
  return typeof user === 'string' ? user : null;
};

/**
 * Per-user and per-tenant limits on raising alerts: a runaway script or a stuck key cannot wake a team all
 * night. Counted in this process's memory: with N backends the effective limit is up to N times higher,
 * which is fine for abuse protection and keeps the paging path free of another database write.
 */
export function pagingRateLimits(limits: PagingLimits): RequestHandler[] {
  const recent = new RecentIds(10_000);
  const retryAfter = (req: Request): number => {
    const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    return Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + limits.windowMs) - Date.now()) / 1000));
  };
  const common = (limit: number, key: (req: Request) => string, detail: (req: Request, wait: number) => string): Partial<Options> => ({
    windowMs: limits.windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (req, res, next) => {
      const wait = retryAfter(req);
      res.setHeader('Retry-After', String(wait));
      next(new RateLimitedError(detail(req, wait)));
    },
  });
  const minutes = Math.round(limits.windowMs / 60_000) || 1;
  // Decided once per request, before both limiters: a request id seen before is a retry, counted by neither.
  const markReplay: RequestHandler = (req, res, next) => {
    const id = req.get(REQUEST_ID_HEADER);
    res.locals.pageReplay = id !== undefined && recent.seen(id);
    next();
  };
  const isReplay = (_req: Request, res: Response): boolean => res.locals.pageReplay === true;
  return [
    markReplay,
    rateLimit({
      ...common(limits.perUser, (req) => `user:${tenantOf(req)}:${slackUserOf(req)}`, (req, wait) =>
        `<@${slackUserOf(req)}> has raised ${limits.perUser} alerts in ${minutes} min, the most Klaxon takes from one person; wait ${wait} s, or phone the people you need`),
      skip: (req, res) => isReplay(req, res) || slackUserOf(req) === null,
    }),
    rateLimit({
      ...common(limits.perTenant, (req) => `tenant:${tenantOf(req)}`, (req, wait) =>
        `tenant ${tenantOf(req)} has raised ${limits.perTenant} alerts in ${minutes} min, the most Klaxon takes from one team; wait ${wait} s`),
      skip: isReplay,
    }),
  ];
}
