import type { Request, RequestHandler, Response } from 'express';
import { MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { PagingLimitsConfig } from '@klaxon/config';
import type { CreateAlertRequest } from '@klaxon/contracts';
import { REQUEST_ID_HEADER } from '@klaxon/contracts';
import { RateLimitedError } from '../common/errors';
import { systemClock } from '../time/clock';
import type { RateLimitName } from '../observe/metrics';

/** The limits the HTTP edge enforces (the per-recipient one is the delivery worker's). */
export type PagingLimits = Pick<PagingLimitsConfig, 'perUser' | 'perTenant' | 'globalPerMinute' | 'windowMs'>;

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
/**
 * The paging limits as middleware for routes that raise one alert per request, and as `charge` for a route
 * that raises several (Alertmanager's webhook): both count in the same per-tenant and global stores.
 */
export interface PagingLimiter {
  middleware: RequestHandler[];
  /**
   * Counts `pages` raises of an already validated tenant against its and the global limit, all or none:
   * throws RateLimitedError (with `retryAfterSeconds`) and counts nothing when they would go over.
   */
  charge(tenantId: string, pages: number): Promise<void>;
}

export function pagingLimiter(limits: PagingLimits, onRefused: (limit: RateLimitName) => void = () => undefined): PagingLimiter {
  const recent = new RecentIds(10_000);
  // Explicit so `charge` counts in the very stores the middleware reads.
  const tenantStore = new MemoryStore();
  const globalStore = new MemoryStore();
  // express-rate-limit keeps its reset times on the wall clock, so the seconds left are counted on it too.
  const secondsUntil = (reset: Date | undefined, windowMs: number): number => {
    const now = systemClock.now().getTime();
    return Math.max(1, Math.ceil(((reset?.getTime() ?? now + windowMs) - now) / 1000));
  };
  const retryAfter = (req: Request, windowMs: number): number => secondsUntil((req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime, windowMs);
  const limiter = (options: {
    name: RateLimitName;
    windowMs: number;
    limit: number;
    key: (res: Response) => string;
    detail: (res: Response, wait: number) => string;
    skip?: (res: Response) => boolean;
    store?: MemoryStore;
  }): RequestHandler =>
    rateLimit({
      ...(options.store ? { store: options.store } : {}),
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
  const tenantDetail = (tenantId: string, wait: number) =>
    `tenant ${tenantId} has raised ${limits.perTenant} alerts in ${minutes} min, the most Klaxon takes from one team; wait ${wait} s`;
  const globalDetail = (wait: number) =>
    `Klaxon has taken ${limits.globalPerMinute} alerts in the last minute from all teams together, its global limit (PAGE_LIMIT_GLOBAL); wait ${wait} s`;
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
  const middleware = [
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
      store: tenantStore,
      detail: (res, wait) => tenantDetail(tenantOf(res), wait),
    }),
    // Last, so a caller already over their own or their team's limit cannot use up everyone's.
    limiter({
      name: 'global',
      windowMs: GLOBAL_WINDOW_MS,
      limit: limits.globalPerMinute,
      key: () => 'global',
      store: globalStore,
      detail: (_res, wait) => globalDetail(wait),
    }),
  ];

  // Tenant first, then global, like the middleware; a refusal takes back what it counted.
  const charge = async (tenantId: string, pages: number): Promise<void> => {
    const buckets = [
      { name: 'per_tenant' as const, store: tenantStore, key: `tenant:${tenantId}`, limit: limits.perTenant, windowMs: limits.windowMs, detail: (wait: number) => tenantDetail(tenantId, wait) },
      { name: 'global' as const, store: globalStore, key: 'global', limit: limits.globalPerMinute, windowMs: GLOBAL_WINDOW_MS, detail: globalDetail },
    ];
    const counted: { store: MemoryStore; key: string }[] = [];
    for (const bucket of buckets) {
      let total = 0;
      let reset: Date | undefined;
      for (let i = 0; i < pages; i++) {
        const hit = await bucket.store.increment(bucket.key);
        counted.push(bucket);
        total = hit.totalHits;
        reset = hit.resetTime;
      }
      if (total > bucket.limit) {
        for (const c of counted) await c.store.decrement(c.key);
        onRefused(bucket.name);
        const wait = secondsUntil(reset, bucket.windowMs);
        throw new RateLimitedError(bucket.detail(wait), wait);
      }
    }
  };
  return { middleware, charge };
}
