import { prepared, type Queryable } from '../db/database';
import type { QueuedDelivery } from './delivery-queue';
import { SEVERITY_OF_ALERT, toQueued, type HoldReason, type QueuedRow } from './delivery.repository';

// Holds: a delivery waiting on purpose, the per-recipient limit that decides when one must, and the held
// deliveries whose time has come.

/**
 * Pages to `address` sent, or being sent, within the last `windowMs` (all tenants, all backends), not
 * counting `exceptId`, counted up to `limit` (one more would change nothing: the page waits either way);
 * and, when there are `limit`, when the window will have room for one more. The index walk stops at `limit`
 * rows, so a number paged thousands of times under a high limit costs a page `limit` rows, not thousands.
 * The window ends at `now`, the clock's, like every time written on a delivery.
 */
const RECENT_PAGES_TO = prepared(
  'recent-pages-to',
  `SELECT count(*)::int AS count,
          CASE WHEN count(*) >= $2::int THEN min(updated_at) + $3::float8 * interval '1 millisecond' END AS room_at
     FROM (SELECT updated_at FROM deliveries
            WHERE address = $1::text AND status IN ('sent', 'sending') AND id <> $4::uuid
              AND updated_at > $5::timestamptz - $3::float8 * interval '1 millisecond'
            ORDER BY updated_at DESC
            LIMIT $2::int) recent`,
);

export async function recentPagesTo(
  db: Queryable,
  address: string,
  { windowMs, limit, exceptId, now }: { windowMs: number; limit: number; exceptId: string; now: Date },
): Promise<{ count: number; roomAt: Date | null }> {
  const row = await db.one<{ count: number; room_at: Date | null }>(RECENT_PAGES_TO(address, limit, windowMs, exceptId, now));
  return { count: row.count, roomAt: row.room_at };
}

/**
 * Puts a claimed delivery on hold until `until`. The claim's attempt is given back: holding is not a try,
 * and must not use up the retries a failing send has.
 */
export async function holdDelivery(db: Queryable, id: string, hold: { until: Date; reason: HoldReason; detail: string }, now: Date): Promise<void> {
  await db.none(
    `UPDATE deliveries
        SET status = 'held', attempts = attempts - 1, lease_until = NULL, held_until = $2, hold_reason = $3,
            error_detail = $4, updated_at = $5
      WHERE id = $1`,
    [id, hold.until, hold.reason, hold.detail, now],
  );
}

/** Held deliveries whose time has come by `now` (their job may have run early or be gone). */
export async function dueHeldDeliveries(db: Queryable, now: Date, limit = 500): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `SELECT id, ${SEVERITY_OF_ALERT} FROM deliveries WHERE status = 'held' AND held_until <= $1 ORDER BY held_until LIMIT $2`,
    [now, limit],
  );
  return rows.map(toQueued);
}
