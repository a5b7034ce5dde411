import { sql, type Queryable } from '../db/database';
import { PAGING_LIMIT_NAMES, PagingLimitRefusedError, type PagingCharge, type PagingLimitName } from './paging-limits';

/** The SQLSTATE `paging_limit_refused()` raises (migration 20261208510000). */
const REFUSED = 'KL429';

/**
 * The steps of a statement that count `charge` against paging_limit_counters, all of its limits or none:
 * `limits_wanted` (the limits), `limits_charged` (one conditional upsert for all of them) and `limits_ok`
 * (one row, true; when any limit refused, `paging_limit_refused()` raises KL429 instead and the whole
 * statement, with everything else it wrote, is undone). `after` names a step whose row must come first:
 * the raise takes its tenant's numbering row before the limits' rows, so every statement locks rows in one
 * order (numbering, user, tenant, global) and none waits round a circle.
 *
 * A window starts at the first raise it counts and ends `windowMs` later by the caller's clock; a count
 * whose window has ended starts again. The upsert locks the row and judges its latest version, so
 * concurrent raises on any number of backends are counted one after another, exactly.
 */
export function pagingChargeSteps(charge: PagingCharge, after: string | null = null): string {
  const { limits, pages, now } = charge;
  return sql.format(
    `limits_wanted AS (
       SELECT * FROM unnest($(names)::text[], $(keys)::text[], $(caps)::int[], $(ends)::timestamptz[])
                WITH ORDINALITY AS w(name, key, cap, window_ends_at, ord)),
     limits_charged AS (
       INSERT INTO paging_limit_counters AS c (name, key, count, cap, window_ends_at)
       SELECT w.name, w.key, $(pages), w.cap, w.window_ends_at FROM limits_wanted w $(after:raw)
        WHERE $(pages) <= w.cap
        ORDER BY w.ord
       ON CONFLICT (name, key) DO UPDATE
          SET count = CASE WHEN c.window_ends_at <= $(now) THEN excluded.count ELSE c.count + excluded.count END,
              cap = excluded.cap,
              window_ends_at = CASE WHEN c.window_ends_at <= $(now) THEN excluded.window_ends_at ELSE c.window_ends_at END
        WHERE CASE WHEN c.window_ends_at <= $(now) THEN 0 ELSE c.count END + excluded.count <= excluded.cap
       RETURNING c.name),
     limits_ok AS (
       SELECT CASE WHEN (SELECT count(*) FROM limits_charged) = $(wanted) THEN true
                   ELSE (SELECT paging_limit_refused(w.name, c.window_ends_at)
                           FROM limits_wanted w LEFT JOIN paging_limit_counters c ON c.name = w.name AND c.key = w.key
                          WHERE w.name NOT IN (SELECT name FROM limits_charged)
                          ORDER BY w.ord LIMIT 1)
              END AS ok)`,
    {
      names: limits.map((l) => l.name),
      keys: limits.map((l) => l.key),
      caps: limits.map((l) => l.cap),
      ends: limits.map((l) => new Date(now.getTime() + l.windowMs).toISOString()),
      pages,
      now: now.toISOString(),
      wanted: limits.length,
      after: after === null ? '' : `, ${after}`,
    },
  );
}

/** Counts `charge` on its own (a webhook's group, before its raises): all of it, or PagingLimitRefusedError. */
export async function chargePagingLimits(db: Queryable, charge: PagingCharge): Promise<void> {
  try {
    await db.one(`WITH ${pagingChargeSteps(charge)} SELECT ok FROM limits_ok`);
  } catch (error) {
    throw pagingRefusalOf(error, charge) ?? error;
  }
}

/** The refusal `error` carries (KL429 from `paging_limit_refused()`), or null for any other error. */
export function pagingRefusalOf(error: unknown, { limits, now }: PagingCharge): PagingLimitRefusedError | null {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== REFUSED || typeof detail !== 'string') return null;
  const refused = JSON.parse(detail) as { limit: string; window_ends_at: string | null };
  const limit = (PAGING_LIMIT_NAMES as readonly string[]).includes(refused.limit) ? (refused.limit as PagingLimitName) : 'global';
  // Read from the statement's snapshot, which may predate the window (another backend started it meanwhile)
  // or hold one already over (more pages than the limit takes at all): then a whole window.
  const ends = refused.window_ends_at === null ? Number.NaN : new Date(refused.window_ends_at).getTime();
  const waitMs = ends > now.getTime() ? ends - now.getTime() : (limits.find((l) => l.name === limit)?.windowMs ?? 60_000);
  return new PagingLimitRefusedError(limit, Math.max(1, Math.ceil(waitMs / 1000)));
}

/**
 * Deletes counters whose window ended before `before`, at most `max`, skipping rows a raise holds (it is
 * counting there, so the row is not idle; and a prune that never waits can never deadlock with a raise).
 * A count that ended is worth nothing: the next raise of its key starts afresh either way. Returns how many.
 */
export async function prunePagingLimitCounters(db: Queryable, before: Date, max: number): Promise<number> {
  const result = await db.result(
    `DELETE FROM paging_limit_counters
      WHERE (name, key) IN (SELECT name, key FROM paging_limit_counters WHERE window_ends_at < $1
                             ORDER BY window_ends_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [before.toISOString(), max],
  );
  return result.rowCount;
}
