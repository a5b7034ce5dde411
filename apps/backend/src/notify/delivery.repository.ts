import { randomUUID } from 'node:crypto';
import type { Channel, Severity } from '@klaxon/contracts';
import type { Alert } from '../alerts/alert';
import type { NewAlertEvent } from '../alerts/alert-event.repository';
import { toAlert, WHOLE_ALERT, type AlertRow } from '../alerts/alert.repository';
import { prepared, sql, type Queryable } from '../db/database';
import type { QueuedDelivery } from './delivery-queue';

// A delivery's rows and its claim: what is planned, taken for sending and recorded. Holds, receipts, what a
// number was paged for and the sweeper's queries live beside it, one repository each.

/**
 * `queued`: waiting for its job; `held`: waiting on purpose until `heldUntil` (quiet hours, a recipient's
 * limit); `sending`: claimed under a lease; `sent`, `failed`, `cancelled`: final.
 */
export type DeliveryStatus = 'queued' | 'held' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** Why a delivery waits. */
export type HoldReason = 'quiet_hours' | 'recipient_limit';

export interface NewDelivery {
  alertId: string;
  tenantId: string;
  channel: Channel;
  slackUserId: string | null;
  /** E.164, an email address, or the Slack channel id, depending on the channel's address kind. */
  address: string;
  round: number;
  fallbackOf?: string | null;
  /** Set: the delivery waits until then (quiet hours). */
  heldUntil?: Date | null;
  holdReason?: HoldReason | null;
  /** The zone a hold is told in ("until 07:00 Europe/Berlin"); not stored, only said in the audit event. */
  holdZone?: string | null;
}

/** A stored delivery: what was planned, plus where its attempts stand. */
export interface Delivery extends Required<Omit<NewDelivery, 'holdZone'>> {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  providerMessageId: string | null;
  errorCode: string | null;
  /** The furthest status the provider reported (Twilio's word: `delivered`, `read`, `busy`…); null before any. */
  providerStatus: string | null;
  providerStatusAt: Date | null;
  /** Who took a call, by answering machine detection: `human`, `machine` or `unknown`. */
  answeredBy: string | null;
}

/** A delivery's row as PostgreSQL returns it; the other delivery repositories map theirs with `toDelivery`. */
export interface DeliveryRow {
  id: string;
  alert_id: string;
  tenant_id: string;
  channel: Channel;
  slack_user_id: string | null;
  address: string;
  round: number;
  status: DeliveryStatus;
  attempts: number;
  provider_message_id: string | null;
  error_code: string | null;
  fallback_of: string | null;
  held_until: Date | null;
  hold_reason: HoldReason | null;
  provider_status: string | null;
  provider_status_at: Date | null;
  answered_by: string | null;
}

const DELIVERY_COLUMNS: readonly (keyof DeliveryRow)[] = [
  'id', 'alert_id', 'tenant_id', 'channel', 'slack_user_id', 'address', 'round', 'status', 'attempts', 'provider_message_id',
  'error_code', 'fallback_of', 'held_until', 'hold_reason', 'provider_status', 'provider_status_at', 'answered_by',
];

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  alertId: r.alert_id,
  tenantId: r.tenant_id,
  channel: r.channel,
  slackUserId: r.slack_user_id,
  address: r.address,
  round: r.round,
  status: r.status,
  attempts: r.attempts,
  providerMessageId: r.provider_message_id,
  errorCode: r.error_code,
  fallbackOf: r.fallback_of,
  heldUntil: r.held_until,
  holdReason: r.hold_reason,
  providerStatus: r.provider_status,
  providerStatusAt: r.provider_status_at,
  answeredBy: r.answered_by,
});

// Deliveries given a job again take their alert's severity with them: it is the job's priority.
export const SEVERITY_OF_ALERT = '(SELECT a.severity FROM alerts a WHERE a.id = deliveries.alert_id) AS severity';
export interface QueuedRow {
  id: string;
  severity: Severity;
}
export const toQueued = (row: QueuedRow): QueuedDelivery => ({ deliveryId: row.id, severity: row.severity });

/** A delivery to insert, with the id the application gave it (its job names it before the row is written). */
export type IdentifiedDelivery = NewDelivery & { id: string };

/**
 * Gives each planned delivery its id, dropping repeats of one alert, channel, address and round (two targets
 * sharing a number get one page): the rows a raise writes and the jobs it adds then match one to one.
 */
export function identifyDeliveries(deliveries: readonly NewDelivery[]): IdentifiedDelivery[] {
  const seen = new Set<string>();
  return deliveries.flatMap((d) => {
    const key = JSON.stringify([d.alertId, d.channel, d.address, d.round]);
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ ...d, id: randomUUID() }];
  });
}

/**
 * Inserts deliveries (held ones as `held`) as formatted SQL returning the rows written; one already planned
 * for the same alert, channel, address and round is skipped. `now` is the clock's: the sweeper measures a
 * queued delivery's age from it.
 */
export function insertDeliveriesQuery(deliveries: readonly IdentifiedDelivery[], now: Date): string {
  return sql.format(
    `INSERT INTO deliveries (id, alert_id, tenant_id, channel, slack_user_id, address, round, fallback_of, held_until, hold_reason, status, updated_at)
     SELECT d.*, CASE WHEN d.held_until IS NULL THEN 'queued' ELSE 'held' END, $11::timestamptz
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::smallint[], $8::uuid[], $9::timestamptz[], $10::text[])
            AS d(id, alert_id, tenant_id, channel, slack_user_id, address, round, fallback_of, held_until, hold_reason)
     ON CONFLICT (alert_id, channel, address, round) DO NOTHING
     RETURNING *`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.alertId),
      deliveries.map((d) => d.tenantId),
      deliveries.map((d) => d.channel),
      deliveries.map((d) => d.slackUserId),
      deliveries.map((d) => d.address),
      deliveries.map((d) => d.round),
      deliveries.map((d) => d.fallbackOf ?? null),
      deliveries.map((d) => d.heldUntil ?? null),
      deliveries.map((d) => (d.heldUntil ? (d.holdReason ?? null) : null)),
      now,
    ],
  );
}

/** Inserts deliveries (see `insertDeliveriesQuery`) and returns those written. */
export async function insertDeliveries(db: Queryable, deliveries: readonly NewDelivery[], now: Date): Promise<Delivery[]> {
  if (deliveries.length === 0) return [];
  const rows = await db.manyOrNone<DeliveryRow>(insertDeliveriesQuery(identifyDeliveries(deliveries), now));
  return rows.map(toDelivery);
}

const CLAIM_DELIVERY_WITH_ALERT = prepared(
  'claim-delivery-with-alert',
  `WITH claimed AS (
     UPDATE deliveries
        SET status = 'sending', attempts = attempts + 1, lease_until = $3::timestamptz + $2::float8 * interval '1 millisecond',
            next_attempt_at = NULL, updated_at = $3::timestamptz
      WHERE id = $1::uuid AND (status = 'queued' OR (status = 'held' AND held_until <= $3::timestamptz + interval '2 seconds'))
      RETURNING ${DELIVERY_COLUMNS.join(', ')})
   SELECT ${WHOLE_ALERT}, row_to_json(claimed) AS claimed FROM claimed JOIN alerts a ON a.id = claimed.alert_id`,
);

/** A delivery's row as `row_to_json` gives it: its times are ISO text. */
type DeliveryJson = Omit<DeliveryRow, 'held_until' | 'provider_status_at'> & { held_until: string | null; provider_status_at: string | null };

/**
 * Takes the delivery for sending: queued (or held, once `now` has reached its time) → sending, one more
 * attempt, a lease until `leaseMs` from `now` (the clock's, as the sweeper's test of the lease is).
 * A single conditional UPDATE, so of two workers holding jobs for the same delivery only one gets it.
 * Null when it is not claimable (already sent, failed, cancelled, still held, or being sent under a live lease).
 * The delivery's alert (its targets and escalation) is read by the same statement: the page needs both, and
 * this is the one round trip on every page's path that was two.
 */
export async function claimDeliveryWithAlert(db: Queryable, id: string, leaseMs: number, now: Date): Promise<{ delivery: Delivery; alert: Alert } | null> {
  const row = await db.oneOrNone<AlertRow & { claimed: DeliveryJson }>(CLAIM_DELIVERY_WITH_ALERT(id, leaseMs, now));
  if (!row) return null;
  const { claimed } = row;
  const at = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));
  return { delivery: toDelivery({ ...claimed, held_until: at(claimed.held_until), provider_status_at: at(claimed.provider_status_at) }), alert: toAlert(row) };
}

/** What an attempt on a claimed delivery came to. */
export type AttemptOutcome =
  | { status: 'sent'; providerMessageId: string }
  | { status: 'failed' | 'cancelled'; errorCode: string | null; errorDetail: string | null }
  | { status: 'queued'; errorCode: string | null; errorDetail: string | null; nextAttemptAt: Date }
  | { status: 'held'; heldUntil: Date; holdReason: HoldReason };

// $1 the delivery, $2 now, $3–$9 the outcome (finishValues).
const FINISH_DELIVERY_SQL = `
  UPDATE deliveries
     SET status = $3::text, lease_until = NULL, updated_at = $2::timestamptz,
         sent_at = CASE WHEN $3::text = 'sent' THEN $2::timestamptz ELSE sent_at END,
         provider_message_id = COALESCE($4::text, provider_message_id),
         error_code = $5::text, error_detail = $6::text, next_attempt_at = $7::timestamptz,
         held_until = $8::timestamptz, hold_reason = $9::text
   WHERE id = $1::uuid`;

function finishValues(id: string, outcome: AttemptOutcome, now: Date): unknown[] {
  return [
    id,
    now,
    outcome.status,
    outcome.status === 'sent' ? outcome.providerMessageId : null,
    'errorCode' in outcome ? outcome.errorCode : null,
    'errorDetail' in outcome ? outcome.errorDetail : null,
    outcome.status === 'queued' ? outcome.nextAttemptAt : null,
    outcome.status === 'held' ? outcome.heldUntil : null,
    outcome.status === 'held' ? outcome.holdReason : null,
  ];
}

const FINISH_DELIVERY = prepared('finish-delivery', FINISH_DELIVERY_SQL);

/** Records the outcome of an attempt on a claimed delivery, at `now` by the clock. */
export async function finishDelivery(db: Queryable, id: string, outcome: AttemptOutcome, now: Date): Promise<void> {
  await db.none(FINISH_DELIVERY(...finishValues(id, outcome, now)));
}

// $10–$15 the event, $16 whether this page may be the alert's first.
const FINISH_DELIVERY_WITH_EVENT = prepared(
  'finish-delivery-with-event',
  `WITH finished AS (${FINISH_DELIVERY_SQL} RETURNING id),
        logged AS (
          INSERT INTO alert_events (alert_id, tenant_id, kind, actor, note, data)
          SELECT $10::uuid, $11::text, $12::text, $13::text, $14::text, $15::jsonb FROM finished
        ),
        first_page AS (
          UPDATE alerts SET first_page_at = $2::timestamptz
           WHERE id = $10::uuid AND first_page_at IS NULL AND $16::boolean AND EXISTS (SELECT 1 FROM finished)
          RETURNING extract(epoch FROM first_page_at - created_at)::float8 AS seconds
        )
   SELECT (SELECT seconds FROM first_page) AS first_page_seconds`,
);

/**
 * Records the outcome of an attempt and its audit event in one statement: one round trip, and atomic
 * without a transaction around it. With `firstPage` (a page to a person that the provider accepted), the
 * alert's first page is marked too, once per alert by a conditional UPDATE of its row, so two pages
 * recorded at the same moment cannot both count as the first. Returns the seconds from the alert's
 * creation to this page when it was the first, else null.
 */
export async function finishDeliveryWithEvent(
  db: Queryable,
  id: string,
  outcome: AttemptOutcome,
  event: NewAlertEvent,
  { firstPage, now }: { firstPage: boolean; now: Date },
): Promise<{ firstPageSeconds: number | null }> {
  const row = await db.one<{ first_page_seconds: number | null }>(
    FINISH_DELIVERY_WITH_EVENT(
      ...finishValues(id, outcome, now),
      event.alertId,
      event.tenantId,
      event.kind,
      event.actor,
      event.note ?? null,
      JSON.stringify(event.data ?? {}),
      firstPage,
    ),
  );
  return { firstPageSeconds: row.first_page_seconds };
}

/** Cancels what has not gone out yet for alerts that were acknowledged or resolved (each with its reason); returns what it cancelled. */
export async function cancelPendingDeliveries(db: Queryable, alerts: readonly { alertId: string; reason: string }[], now: Date): Promise<Delivery[]> {
  if (alerts.length === 0) return [];
  const rows = await db.manyOrNone<DeliveryRow>(
    `UPDATE deliveries d SET status = 'cancelled', error_detail = c.reason, held_until = NULL, updated_at = $3
       FROM unnest($1::uuid[], $2::text[]) AS c(alert_id, reason)
      WHERE d.alert_id = c.alert_id AND d.status IN ('queued', 'held')
      RETURNING d.*`,
    [alerts.map((a) => a.alertId), alerts.map((a) => a.reason), now],
  );
  return rows.map(toDelivery);
}

/**
 * The provider's id of a page it accepted, written alone when the full record of `sent` failed: a delivery
 * carrying one is never sent again (see `requeueExpiredLeases`), the sweeper records it as sent instead.
 */
export async function noteProviderMessageId(db: Queryable, id: string, providerMessageId: string, now: Date): Promise<void> {
  await db.none(`UPDATE deliveries SET provider_message_id = $2, updated_at = $3 WHERE id = $1 AND status = 'sending'`, [id, providerMessageId, now]);
}

export async function listDeliveries(db: Queryable, alertId: string): Promise<Delivery[]> {
  const rows = await db.manyOrNone<DeliveryRow>('SELECT * FROM deliveries WHERE alert_id = $1 ORDER BY created_at, id', [alertId]);
  return rows.map(toDelivery);
}

export async function findDelivery(db: Queryable, id: string): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1', [id]);
  return row ? toDelivery(row) : null;
}
