import type { Queryable } from '../db/database';
import { toDelivery, type Delivery, type DeliveryRow } from './delivery.repository';

// Receipts: what the provider reported about a page after it went out (status callbacks, who answered).

/**
 * Records a status the provider reported, only if it is further along than the one stored (`rank`, see
 * PROVIDER_STATUS_RANK): one conditional UPDATE, so a repeated or older callback changes nothing, and of
 * two racing callbacks each applies at most once. Returns the delivery when it moved, null otherwise.
 */
export async function recordProviderStatus(
  db: Queryable,
  id: string,
  report: { status: string; rank: number; errorCode: string | null; at: Date },
): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>(
    `UPDATE deliveries
        SET provider_status = $(status), provider_status_rank = $(rank), provider_status_at = $(at),
            provider_error_code = COALESCE($(errorCode), provider_error_code),
            delivered_at = CASE WHEN $(status) IN ('delivered', 'read') THEN COALESCE(delivered_at, $(at)) ELSE delivered_at END,
            read_at = CASE WHEN $(status) = 'read' THEN $(at) ELSE read_at END,
            answered_at = CASE WHEN $(status) IN ('in-progress', 'completed') THEN COALESCE(answered_at, $(at)) ELSE answered_at END,
            updated_at = $(at)
      WHERE id = $(id) AND provider_status_rank < $(rank)
      RETURNING *`,
    { id, ...report },
  );
  return row ? toDelivery(row) : null;
}

/** Records who answered a call (answering machine detection), once; null when it was already recorded. */
export async function recordAnsweredBy(db: Queryable, id: string, answeredBy: 'human' | 'machine' | 'unknown', at: Date): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>(
    `UPDATE deliveries SET answered_by = $2, answered_at = COALESCE(answered_at, $3), provider_status_at = $3, updated_at = $3
      WHERE id = $1 AND answered_by IS NULL
      RETURNING *`,
    [id, answeredBy, at],
  );
  return row ? toDelivery(row) : null;
}

/** The deliveries of these alerts the provider reported on (status callbacks), for the receipts people see. */
export async function reportedDeliveries(db: Queryable, alertIds: readonly string[]): Promise<Map<string, Delivery[]>> {
  const byAlert = new Map<string, Delivery[]>(alertIds.map((id) => [id, []]));
  if (alertIds.length === 0) return byAlert;
  const rows = await db.manyOrNone<DeliveryRow>(
    'SELECT * FROM deliveries WHERE alert_id = ANY($1::uuid[]) AND (provider_status IS NOT NULL OR answered_by IS NOT NULL) ORDER BY created_at',
    [alertIds],
  );
  for (const row of rows) byAlert.get(row.alert_id)?.push(toDelivery(row));
  return byAlert;
}
