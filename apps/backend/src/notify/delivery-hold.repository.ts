import type { Queryable } from '../db/database';
import type { HoldReason } from './delivery.repository';

// Holds: a delivery waiting on purpose, and the per-recipient limit that decides when one must.

/**
 * Pages to `address` sent, or being sent, within the last `windowMs` (all tenants, all backends), not
 * counting `exceptId`; and, when there are `limit` or more, when the window will have room for one more.
 * The window ends at `now`, the clock's, like every time written on a delivery.
 */
export async function recentPagesTo(
  db: Queryable,
  address: string,
  { windowMs, limit, exceptId, now }: { windowMs: number; limit: number; exceptId: string; now: Date },
): Promise<{ count: number; roomAt: Date | null }> {
  const row = await db.one<{ count: number; room_at: Date | null }>(
    `SELECT count(*)::int AS count,
            (array_agg(updated_at ORDER BY updated_at DESC))[$(limit)] + $(windowMs) * interval '1 millisecond' AS room_at
       FROM deliveries
      WHERE address = $(address) AND status IN ('sent', 'sending') AND id <> $(exceptId)
        AND updated_at > $(now)::timestamptz - $(windowMs) * interval '1 millisecond'`,
    { address, windowMs, limit, exceptId, now },
  );
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
