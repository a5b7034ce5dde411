import type { Queryable } from '../db/database';
import type { QueuedDelivery } from './delivery-queue';
import { SEVERITY_OF_ALERT, toDelivery, toQueued, type Delivery, type DeliveryRow, type QueuedRow } from './delivery.repository';

// The sweeper's queries: deliveries that lost their way (a dead backend's lease, a lost job) found and taken
// back, each row by one sweeper (row locks). Every age is measured against `now`, the clock's, which every
// write of a delivery's times takes too: a test moves the clock past a lease or a grace period instead of
// rewriting rows.

/**
 * Deliveries whose lease ran out while `sending` and that no provider accepted as far as we know: their
 * backend died mid-attempt. Puts them back in the queue (row locks make each come back once however many
 * backends sweep) and returns their ids. One with a provider id is left to `settleExpiredSent`, and
 * `sentHere` (pages this process sent but could not record yet) are left alone.
 */
export async function requeueExpiredLeases(db: Queryable, now: Date, sentHere: readonly string[] = []): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `UPDATE deliveries SET status = 'queued', lease_until = NULL, updated_at = $2
      WHERE status = 'sending' AND lease_until < $2 AND provider_message_id IS NULL AND id <> ALL($1::uuid[])
      RETURNING id, ${SEVERITY_OF_ALERT}`,
    [sentHere, now],
  );
  return rows.map(toQueued);
}

/** Deliveries whose lease ran out while `sending` though a provider had accepted them: recorded as sent. */
export async function settleExpiredSent(db: Queryable, now: Date): Promise<Delivery[]> {
  const rows = await db.manyOrNone<DeliveryRow>(
    `UPDATE deliveries SET status = 'sent', sent_at = $1, lease_until = NULL, updated_at = $1, error_code = NULL, error_detail = NULL
      WHERE status = 'sending' AND lease_until < $1 AND provider_message_id IS NOT NULL
      RETURNING *`,
    [now],
  );
  return rows.map(toDelivery);
}

/**
 * Queued deliveries older than `graceMs` whose job is gone: deleted, or failed for good (its attempts used
 * up, so graphile-worker will never run it again), or locked for longer than the grace by a worker that died
 * (graphile-worker frees those only after four hours; a delivery job never legitimately runs that long).
 * A job being run (locked recently) counts as present. Touches
 * them so that a second sweeper skips them (row locks) and the next sweep waits another grace period.
 * graphile-worker 0.17's public `jobs` view carries the key, attempts and lock of every job; a lock's age
 * is measured by the clock too (graphile-worker writes `locked_at` from the database's, the same time in
 * production).
 */
export async function claimOrphanedQueued(db: Queryable, now: Date, graceMs: number, jobKeyPrefix: string): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `UPDATE deliveries SET updated_at = $3
      WHERE id IN (
        SELECT d.id FROM deliveries d
         WHERE d.status = 'queued'
           AND d.updated_at < $3::timestamptz - $1 * interval '1 millisecond'
           AND NOT EXISTS (
             SELECT 1 FROM graphile_worker.jobs j
              WHERE j.key = $2 || d.id
                AND (j.locked_at > $3::timestamptz - $1 * interval '1 millisecond' OR (j.locked_at IS NULL AND j.attempts < j.max_attempts)))
         FOR UPDATE OF d SKIP LOCKED)
      RETURNING id, ${SEVERITY_OF_ALERT}`,
    [graceMs, jobKeyPrefix, now],
  );
  return rows.map(toQueued);
}
