import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { PagingLimitsConfig } from '@klaxon/config';
import type { CreateAlertRequest } from '@klaxon/contracts';
import { REQUEST_ID_HEADER } from '@klaxon/contracts';
import { AppError } from '../errors';
import type { RateLimitName } from '../metrics';

/** The limits the HTTP edge enforces (the per-recipient one is the delivery worker's). */
export type PagingLimits = Pick<PagingLimitsConfig, 'perUser' | 'perTenant' | 'globalPerMinute' | 'windowMs'>;

export class RateLimitedError extends AppError {
  constructor(detail: string) {
    super('rate_limited', 429, detail);
  }
}

// Request ids of recent raises that were accepted: a retried forward (same x-request-id) is answered by the
// database with the first alert, so it must not use up the caller's budget again. Bounded, oldest dropped.
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }
}

const GLOBAL_WINDOW_MS = 60_000;

/** The raise, as validated by the route before any limiter runs: limiter keys come from it only. */
export const pageOf = (res: Response): CreateAlertRequest => res.locals.page as CreateAlertRequest;

/**
 * Per-user, per-tenant and global limits on raising alerts: a runaway script or a stuck key cannot wake a
 * team all night, and a leaked key or a loop cannot run up an unbounded Twilio bill. They run after the
 * service key, its tenant scope and the body were checked (`res.locals.page`), so nothing a refused
 * request says can use up anyone's budget; and only accepted raises are counted (`skipFailedRequests`),
 * so a refusal by one limiter, or a failure further on, costs no budget in the others.
 * Counted in this process's memory: with N backends the effective limits are up to N times higher, which
 * is fine for abuse protection and keeps the paging path free of another database write.
 */
export function pagingRateLimits(limits: PagingLimits, onRefused: (limit: RateLimitName) => void = () => undefined): RequestHandler[] {
  const recent = new RecentIds(10_000);
  const retryAfter = (req: Request, windowMs: number): number => {
    const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    return Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
  };
  const limiter = (options: { name: RateLimitName; windowMs: number; limit: number; key: (res: Response) => string; detail: (res: Response, wait: number) => string; skip?: (res: Response) => boolean }): RequestHandler =>
    rateLimit({
      windowMs: options.windowMs,
      limit: options.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skipFailedRequests: true,
      keyGenerator: (_req, res) => options.key(res),
      skip: (_req, res) => isReplay(res) || (options.skip?.(res) ?? false),
      handler: (req, res, next) => {
        onRefused(options.name);
        const wait = retryAfter(req, options.windowMs);
        res.setHeader('Retry-After', String(wait));
        next(new RateLimitedError(options.detail(res, wait)));
      },
    } satisfies Partial<Options>);
  const minutes = Math.round(limits.windowMs / 60_000) || 1;
  const tenantOf = (res: Response): string => pageOf(res).tenant_id;
  const slackUserOf = (res: Response): string | null => pageOf(res).slack?.user_id ?? null;

  // Decided once per request, before the limiters: a caller-sent id whose raise was accepted before is a
  // retry, counted by none. Scoped by tenant like the database's answer (`findAlertByRequestId`), so an id
  // accepted for one tenant cannot carry uncounted raises for another. Remembered only once accepted: a
  // refused request sent again is decided again, and stays refused while the limit holds.
  const markReplay: RequestHandler = (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER) === undefined ? null : `${tenantOf(res)}:${res.locals.requestId as string}`;
    res.locals.pageReplay = given !== null && recent.has(given);
    if (given !== null) {
      res.once('finish', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) recent.add(given);
      });
    }
    next();
  };
  const isReplay = (res: Response): boolean => res.locals.pageReplay === true;
  return [
    markReplay,
    limiter({
      name: 'per_user',
      windowMs: limits.windowMs,
      limit: limits.perUser,
      key: (res) => `user:${tenantOf(res)}:${slackUserOf(res)}`,
      skip: (res) => slackUserOf(res) === null,
      detail: (res, wait) => `<@${slackUserOf(res)}> has raised ${limits.perUser} alerts in ${minutes} min, the most Klaxon takes from one person; wait ${wait} s, or phone the people you need`,
    }),
    limiter({
      name: 'per_tenant',
      windowMs: limits.windowMs,
      limit: limits.perTenant,
      key: (res) => `tenant:${tenantOf(res)}`,
      detail: (res, wait) => `tenant ${tenantOf(res)} has raised ${limits.perTenant} alerts in ${minutes} min, the most Klaxon takes from one team; wait ${wait} s`,
    }),
    // Last, so a caller already over their own or their team's limit cannot use up everyone's.
    limiter({
      name: 'global',
      windowMs: GLOBAL_WINDOW_MS,
      limit: limits.globalPerMinute,
      key: () => 'global',
      detail: (_res, wait) => `Klaxon has taken ${limits.globalPerMinute} alerts in the last minute from all teams together, its global limit (PAGE_LIMIT_GLOBAL); wait ${wait} s`,
    }),
  ];
}
