import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { BackendErrorsModule, BenchPagingLimiterFactory, BenchPagingLimits, BenchRequestHandler, BenchResponse, PagingLimitName } from './apps';

// The two ways of counting the paging limits that the limits phase measures against Klaxon's own (one SQL
// statement inside the raise, apps/backend alerts/paging-limit.repository.ts). Neither ships: they are here
// to be measured, each put in place of Klaxon's limiter through BackendOverrides.pagingLimiter. Both count in
// middleware before the raise (as the limits did before they moved into PostgreSQL) and give back what they
// counted when the request did not end in a 2xx. Replayed request ids are counted again: the bench sends none.

const GLOBAL_WINDOW_MS = 60_000;

interface Counted {
  name: PagingLimitName;
  key: string;
  cap: number;
  windowMs: number;
}

/** The limits a raise counts against, as Klaxon judges them: user (when Slack raised it), tenant, global. */
function countedFor(limits: BenchPagingLimits, tenantId: string, slackUserId: string | null): Counted[] {
  return [
    ...(slackUserId === null ? [] : [{ name: 'per_user' as const, key: `${tenantId}:${slackUserId}`, cap: limits.perUser, windowMs: limits.windowMs }]),
    { name: 'per_tenant', key: tenantId, cap: limits.perTenant, windowMs: limits.windowMs },
    { name: 'global', key: '', cap: limits.globalPerMinute, windowMs: GLOBAL_WINDOW_MS },
  ];
}

function raiserOf(res: BenchResponse): { tenantId: string; slackUserId: string | null } {
  const page = res.locals.page as { tenant_id: string; slack?: { user_id: string } };
  return { tenantId: page.tenant_id, slackUserId: page.slack?.user_id ?? null };
}

/** A limiter that counts with `count` (all or nothing) before the raise and gives back on a failed request. */
function countingLimiter(
  errors: BackendErrorsModule,
  limits: BenchPagingLimits,
  onRefused: (limit: PagingLimitName) => void,
  count: (counted: Counted[], pages: number) => Promise<{ refused: Counted; retryAfterSeconds: number } | { giveBack: () => Promise<void> }>,
) {
  const refusal = (refused: Counted, retryAfterSeconds: number) => {
    onRefused(refused.name);
    return new errors.RateLimitedError(`${refused.name} limit of ${refused.cap} reached; wait ${retryAfterSeconds} s`, retryAfterSeconds);
  };
  const middleware: BenchRequestHandler = (_req, res, next) => {
    const { tenantId, slackUserId } = raiserOf(res);
    count(countedFor(limits, tenantId, slackUserId), 1).then((outcome) => {
      if ('refused' in outcome) {
        res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        next(refusal(outcome.refused, outcome.retryAfterSeconds));
        return;
      }
      res.once('finish', () => {
        if (res.statusCode >= 300) void outcome.giveBack();
      });
      next();
    }, next);
  };
  return {
    middleware: [middleware],
    budgetOf: () => Promise.resolve(null),
    refusal: (error: unknown) => error,
    charge: async (tenantId: string, pages: number) => {
      const outcome = await count(countedFor(limits, tenantId, null), pages);
      if ('refused' in outcome) throw refusal(outcome.refused, outcome.retryAfterSeconds);
    },
  };
}

/**
 * Counts in this process's memory, windows from each key's first raise: what Klaxon did before its limits
 * moved into PostgreSQL (express-rate-limit's MemoryStore), and the cost the shared designs are compared with.
 */
export function memoryLimiter(errors: BackendErrorsModule): BenchPagingLimiterFactory {
  return ({ service, onRefused }) => {
    const windows = new Map<string, { count: number; endsAt: number }>();
    return countingLimiter(errors, service.limits, onRefused, async (counted, pages) => {
      const now = Date.now();
      const current = counted.map((limit) => {
        const id = `${limit.name}:${limit.key}`;
        const open = windows.get(id);
        return { limit, id, window: open && open.endsAt > now ? open : { count: 0, endsAt: now + limit.windowMs } };
      });
      const over = current.find(({ limit, window }) => window.count + pages > limit.cap);
      if (over) return { refused: over.limit, retryAfterSeconds: Math.max(1, Math.ceil((over.window.endsAt - now) / 1000)) };
      for (const { id, window } of current) windows.set(id, { ...window, count: window.count + pages });
      return {
        giveBack: async () => {
          for (const { id } of current) {
            const window = windows.get(id);
            if (window) window.count = Math.max(0, window.count - pages);
          }
        },
      };
    });
  };
}

/**
 * rate-limiter-flexible 11's PostgreSQL store (RateLimiterPostgres) on the backend's own pool: one limiter per
 * limit, the three consumed at once (three upserts, each its own transaction). A refusal by any gives back
 * every point consumed (the library counts refused points too), so a refused raise costs nobody anything.
 * Its windows are the library's (from the first point, by Date.now()): it cannot take Klaxon's clock.
 */
export function libraryLimiter(errors: BackendErrorsModule): BenchPagingLimiterFactory {
  return ({ service, db, onRefused }) => {
    const limiters = new Map<PagingLimitName, Promise<RateLimiterPostgres>>();
    const limiterOf = (limit: Counted): Promise<RateLimiterPostgres> => {
      let made = limiters.get(limit.name);
      if (!made) {
        // One table for the three (keyPrefix tells them apart); the first creates it, so they never race to.
        const first = limiters.size === 0 ? null : [...limiters.values()][0]!;
        made = (first ?? Promise.resolve()).then(
          () =>
            new Promise<RateLimiterPostgres>((resolve, reject) => {
              const options = { storeClient: db.$pool, storeType: 'pool', tableName: 'bench_rate_limiter_flexible', keyPrefix: limit.name, points: limit.cap, duration: limit.windowMs / 1000 };
              // With the table made, the constructor calls back before it returns: hence the microtask.
              const created: RateLimiterPostgres = new RateLimiterPostgres({ ...options, tableCreated: first !== null }, (error?: unknown) =>
                queueMicrotask(() => (error ? reject(error) : resolve(created))),
              );
            }),
        );
        limiters.set(limit.name, made);
      }
      return made;
    };
    return countingLimiter(errors, service.limits, onRefused, async (counted, pages) => {
      const stores = await Promise.all(counted.map(limiterOf));
      const results = await Promise.allSettled(counted.map((limit, i) => stores[i]!.consume(limit.key, pages)));
      const giveBack = async () => {
        await Promise.all(counted.map((limit, i) => stores[i]!.reward(limit.key, pages)));
      };
      const refusedAt = results.findIndex((result) => result.status === 'rejected');
      if (refusedAt === -1) return { giveBack };
      const reason = (results[refusedAt] as PromiseRejectedResult).reason as unknown;
      // Every consume incremented its count, the refused ones too: all of it goes back.
      await giveBack();
      if (!(reason instanceof RateLimiterRes)) throw reason;
      return { refused: counted[refusedAt]!, retryAfterSeconds: Math.max(1, Math.ceil(reason.msBeforeNext / 1000)) };
    });
  };
}
