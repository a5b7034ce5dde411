import type { PagingLimitsConfig } from '@klaxon/config';

/** The limits on raising alerts, in the order a raise is judged by them (the per-recipient one is notify/'s). */
export const PAGING_LIMIT_NAMES = ['per_user', 'per_tenant', 'global'] as const;
export type PagingLimitName = (typeof PAGING_LIMIT_NAMES)[number];

/** The limits counted when alerts are raised (the per-recipient one is counted when pages are sent). */
export type PagingLimits = Pick<PagingLimitsConfig, 'perUser' | 'perTenant' | 'globalPerMinute' | 'windowMs'>;

/** The global limit is per minute whatever PAGE_LIMIT_WINDOW says (docs/security.md, "Limits"). */
export const GLOBAL_WINDOW_MS = 60_000;

/** One limit a raise counts against: at most `cap` pages per window of `windowMs` for `key`. */
export interface LimitCount {
  name: PagingLimitName;
  key: string;
  cap: number;
  windowMs: number;
}

/** What a raise (or a webhook's whole group) uses up: `pages` of each limit, judged at `now`. */
export interface PagingCharge {
  limits: LimitCount[];
  pages: number;
  now: Date;
}

/**
 * The limits a raise of `pages` by this tenant (and Slack user, when one raised it) counts against, in the
 * order they are judged and their counter rows locked: the user's, the tenant's, then the global one, so a
 * refusal names the narrowest limit and two raises never wait for each other's rows round a circle.
 */
export function pagingCharge(limits: PagingLimits, raise: { tenantId: string; slackUserId: string | null; pages: number; now: Date }): PagingCharge {
  const counted: LimitCount[] = [];
  if (raise.slackUserId !== null) counted.push({ name: 'per_user', key: `${raise.tenantId}:${raise.slackUserId}`, cap: limits.perUser, windowMs: limits.windowMs });
  counted.push({ name: 'per_tenant', key: raise.tenantId, cap: limits.perTenant, windowMs: limits.windowMs });
  counted.push({ name: 'global', key: '', cap: limits.globalPerMinute, windowMs: GLOBAL_WINDOW_MS });
  return { limits: counted, pages: raise.pages, now: raise.now };
}

/**
 * A raise refused by a paging limit: nothing of it was stored or counted. Not an HTTP error: the route that
 * raised says it in its own words (a 429, or Alertmanager's 503).
 */
export class PagingLimitRefusedError extends Error {
  constructor(
    readonly limit: PagingLimitName,
    /** Until the refusing limit's window ends, at least 1. */
    readonly retryAfterSeconds: number,
  ) {
    super(`paging limit ${limit} reached; retry after ${retryAfterSeconds} s`);
    this.name = 'PagingLimitRefusedError';
  }
}
