import type { RequestHandler, Response } from 'express';
import type { CreateAlertRequest, SlackAlertRequest } from '@klaxon/contracts';
import type { Database } from '../db/database';
import type { PagingLimitService } from '../alerts/paging-limit.service';
import { PagingLimitRefusedError, type PagingCharge, type PagingLimits } from '../alerts/paging-limits';
import { RateLimitedError } from '../common/errors';
import type { RateLimitName } from '../observe/metrics';

export type { PagingLimits } from '../alerts/paging-limits';

/** The raise, as validated by the route before any limit is counted: limit keys come from it only. */
export const pageOf = (res: Response): CreateAlertRequest & Partial<Pick<SlackAlertRequest, 'slack_usergroup'>> => res.locals.page as CreateAlertRequest;

/**
 * The per-user, per-tenant and global limits on raising alerts: a runaway script or a stuck key cannot wake a
 * team all night, and a leaked key or a loop cannot run up an unbounded Twilio bill. They are judged after
 * the service key, its tenant scope and the body were checked (`res.locals.page`), so nothing a refused
 * request says can use up anyone's budget.
 */
export interface PagingLimiter {
  /** Runs between the body check and the raise: a limiter that counts outside the raise refuses here. */
  middleware: RequestHandler[];
  /** What the raise of this request counts in its own statement; null when `middleware` counted it already. */
  budgetOf(res: Response): Promise<PagingCharge | null>;
  /** A refusal from the raise as this route answers it (429, `Retry-After`, a sentence); any other error unchanged. */
  refusal(error: unknown, res: Response): unknown;
  /**
   * Counts `pages` raises of an already validated tenant against its and the global limit, all or none:
   * throws RateLimitedError (with `retryAfterSeconds`) and counts nothing when they would go over.
   */
  charge(tenantId: string, pages: number): Promise<void>;
}

/** What builds a limiter: the composition root's default is `pagingLimiter`; the bench measures others. */
export type PagingLimiterFactory = (options: { service: PagingLimitService; db: Database; onRefused: (limit: RateLimitName) => void }) => PagingLimiter;

/** The sentence a refusal by `limit` says, naming who reached it and how long to wait. */
export function refusalDetail(limits: PagingLimits, refusal: { limit: RateLimitName; tenantId: string; slackUserId: string | null; retryAfterSeconds: number }): string {
  const minutes = Math.round(limits.windowMs / 60_000) || 1;
  const wait = refusal.retryAfterSeconds;
  switch (refusal.limit) {
    case 'per_user':
      return `<@${refusal.slackUserId}> has raised ${limits.perUser} alerts in ${minutes} min, the most Klaxon takes from one person; wait ${wait} s, or phone the people you need`;
    case 'per_tenant':
      return `tenant ${refusal.tenantId} has raised ${limits.perTenant} alerts in ${minutes} min, the most Klaxon takes from one team; wait ${wait} s`;
    case 'global':
      return `Klaxon has taken ${limits.globalPerMinute} alerts in the last minute from all teams together, its global limit (PAGE_LIMIT_GLOBAL); wait ${wait} s`;
  }
}

/**
 * Klaxon's limiter: the counts live in PostgreSQL (PagingLimitService), so N backends allow exactly what one
 * does. A raise is counted in the very statement that stores its alert: a request refused on the way (403,
 * 422, a 5xx) or by a limit counts nothing, a replayed request id or a dedup hit stores nothing and counts
 * nothing, and a refused request sent again is judged again.
 */
export const pagingLimiter: PagingLimiterFactory = ({ service, onRefused }) => {
  const refused = (refusal: PagingLimitRefusedError, tenantId: string, slackUserId: string | null): RateLimitedError => {
    onRefused(refusal.limit);
    const detail = refusalDetail(service.limits, { limit: refusal.limit, tenantId, slackUserId, retryAfterSeconds: refusal.retryAfterSeconds });
    return new RateLimitedError(detail, refusal.retryAfterSeconds);
  };
  return {
    middleware: [],
    budgetOf: (res) => service.forRaise({ tenantId: pageOf(res).tenant_id, slackUserId: pageOf(res).slack?.user_id ?? null }),
    refusal: (error, res) => {
      if (!(error instanceof PagingLimitRefusedError)) return error;
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return refused(error, pageOf(res).tenant_id, pageOf(res).slack?.user_id ?? null);
    },
    charge: async (tenantId, pages) => {
      try {
        await service.charge(tenantId, pages);
      } catch (error) {
        throw error instanceof PagingLimitRefusedError ? refused(error, tenantId, null) : error;
      }
    },
  };
};
