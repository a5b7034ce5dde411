import { randomUUID } from 'node:crypto';
import type { AlertStatus, Channel, Severity } from '@klaxon/contracts';
import type { NewAlertEvent } from '../alerts/alert-event.repository';
import { sql, type Queryable } from '../db/database';
import type { QueuedDelivery } from './delivery-queue';

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

interface DeliveryRow {
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

const toDelivery = (r: DeliveryRow): Delivery => ({
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
const SEVERITY_OF_ALERT = '(SELECT a.severity FROM alerts a WHERE a.id = deliveries.alert_id) AS severity';
interface QueuedRow {
  id: string;
  severity: Severity;
}
const toQueued = (row: QueuedRow): QueuedDelivery => ({ deliveryId: row.id, severity: row.severity });

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
 * for the same alert, channel, address and round is skipped.
 */
export function insertDeliveriesQuery(deliveries: readonly IdentifiedDelivery[]): string {
  return sql.format(
    `INSERT INTO deliveries (id, alert_id, tenant_id, channel, slack_user_id, address, round, fallback_of, held_until, hold_reason, status)
     SELECT d.*, CASE WHEN d.held_until IS NULL THEN 'queued' ELSE 'held' END
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
    ],
  );
}

/** Inserts deliveries (see `insertDeliveriesQuery`) and returns those written. */
export async function insertDeliveries(db: Queryable, deliveries: readonly NewDelivery[]): Promise<Delivery[]> {
  if (deliveries.length === 0) return [];
  const rows = await db.manyOrNone<DeliveryRow>(insertDeliveriesQuery(identifyDeliveries(deliveries)));
  return rows.map(toDelivery);
}

/**
 * Takes the delivery for sending: queued (or held, once `now` has reached its time) → sending, one more
 * attempt, a lease until `leaseMs` from now (database time: leases are about processes, not policy).
 * A single conditional UPDATE, so of two workers holding jobs for the same delivery only one gets it.
 * Null when it is not claimable (already sent, failed, cancelled, still held, or being sent under a live lease).
 */
export async function claimDelivery(db: Queryable, id: string, leaseMs: number, now: Date): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>(
    `UPDATE deliveries
        SET status = 'sending', attempts = attempts + 1, lease_until = now() + $2 * interval '1 millisecond',
            next_attempt_at = NULL, updated_at = now()
      WHERE id = $1 AND (status = 'queued' OR (status = 'held' AND held_until <= $3::timestamptz + interval '2 seconds'))
      RETURNING *`,
    [id, leaseMs, now],
  );
  return row ? toDelivery(row) : null;
}

/** What an attempt on a claimed delivery came to. */
export type AttemptOutcome =
  | { status: 'sent'; providerMessageId: string }
  | { status: 'failed' | 'cancelled'; errorCode: string | null; errorDetail: string | null }
  | { status: 'queued'; errorCode: string | null; errorDetail: string | null; nextAttemptAt: Date }
  | { status: 'held'; heldUntil: Date; holdReason: HoldReason };

const FINISH_DELIVERY = `
  UPDATE deliveries
     SET status = $(status), lease_until = NULL, updated_at = now(),
         sent_at = CASE WHEN $(status) = 'sent' THEN now() ELSE sent_at END,
         provider_message_id = COALESCE($(providerMessageId), provider_message_id),
         error_code = $(errorCode), error_detail = $(errorDetail), next_attempt_at = $(nextAttemptAt),
         held_until = $(heldUntil), hold_reason = $(holdReason)
   WHERE id = $(id)`;

function finishValues(id: string, outcome: AttemptOutcome) {
  return {
    id,
    status: outcome.status,
    providerMessageId: outcome.status === 'sent' ? outcome.providerMessageId : null,
    errorCode: 'errorCode' in outcome ? outcome.errorCode : null,
    errorDetail: 'errorDetail' in outcome ? outcome.errorDetail : null,
    nextAttemptAt: outcome.status === 'queued' ? outcome.nextAttemptAt : null,
    heldUntil: outcome.status === 'held' ? outcome.heldUntil : null,
    holdReason: outcome.status === 'held' ? outcome.holdReason : null,
  };
}

/** Records the outcome of an attempt on a claimed delivery. */
export async function finishDelivery(db: Queryable, id: string, outcome: AttemptOutcome): Promise<void> {
  await db.none(FINISH_DELIVERY, finishValues(id, outcome));
}

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
  { firstPage }: { firstPage: boolean },
): Promise<{ firstPageSeconds: number | null }> {
  const row = await db.one<{ first_page_seconds: number | null }>(
    `WITH finished AS (${FINISH_DELIVERY} RETURNING id),
          logged AS (
            INSERT INTO alert_events (alert_id, tenant_id, kind, actor, note, data)
            SELECT $(alertId)::uuid, $(tenantId), $(kind), $(actor), $(note), $(data)::jsonb FROM finished
          ),
          first_page AS (
            UPDATE alerts SET first_page_at = now()
             WHERE id = $(alertId)::uuid AND first_page_at IS NULL AND $(firstPage) AND EXISTS (SELECT 1 FROM finished)
            RETURNING extract(epoch FROM first_page_at - created_at)::float8 AS seconds
          )
     SELECT (SELECT seconds FROM first_page) AS first_page_seconds`,
    {
      ...finishValues(id, outcome),
      alertId: event.alertId,
      tenantId: event.tenantId,
      kind: event.kind,
      actor: event.actor,
      note: event.note ?? null,
      data: JSON.stringify(event.data ?? {}),
      firstPage,
    },
  );
  return { firstPageSeconds: row.first_page_seconds };
}

/** Cancels what has not gone out yet for alerts that were acknowledged or resolved (each with its reason); returns what it cancelled. */
export async function cancelPendingDeliveries(db: Queryable, alerts: readonly { alertId: string; reason: string }[]): Promise<Delivery[]> {
  if (alerts.length === 0) return [];
  const rows = await db.manyOrNone<DeliveryRow>(
    `UPDATE deliveries d SET status = 'cancelled', error_detail = c.reason, held_until = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS c(alert_id, reason)
      WHERE d.alert_id = c.alert_id AND d.status IN ('queued', 'held')
      RETURNING d.*`,
    [alerts.map((a) => a.alertId), alerts.map((a) => a.reason)],
  );
  return rows.map(toDelivery);
}

/** Held deliveries whose time has come by `now` (their job may have run early or be gone). */
export async function dueHeldDeliveries(db: Queryable, now: Date, limit = 500): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `SELECT id, ${SEVERITY_OF_ALERT} FROM deliveries WHERE status = 'held' AND held_until <= $1 ORDER BY held_until LIMIT $2`,
    [now, limit],
  );
  return rows.map(toQueued);
}

/**
 * Pages to `address` sent, or being sent, within the last `windowMs` (all tenants, all backends), not
 * counting `exceptId`; and, when there are `limit` or more, when the window will have room for one more.
 * Times are the database's, like the job queue's `run_at`.
 */
export async function recentPagesTo(
  db: Queryable,
  address: string,
  { windowMs, limit, exceptId }: { windowMs: number; limit: number; exceptId: string },
): Promise<{ count: number; roomAt: Date | null }> {
  const row = await db.one<{ count: number; room_at: Date | null }>(
    `SELECT count(*)::int AS count,
            (array_agg(updated_at ORDER BY updated_at DESC))[$(limit)] + $(windowMs) * interval '1 millisecond' AS room_at
       FROM deliveries
      WHERE address = $(address) AND status IN ('sent', 'sending') AND id <> $(exceptId)
        AND updated_at > now() - $(windowMs) * interval '1 millisecond'`,
    { address, windowMs, limit, exceptId },
  );
  return { count: row.count, roomAt: row.room_at };
}

/**
 * Puts a claimed delivery on hold until `until`. The claim's attempt is given back: holding is not a try,
 * and must not use up the retries a failing send has.
 */
export async function holdDelivery(db: Queryable, id: string, hold: { until: Date; reason: HoldReason; detail: string }): Promise<void> {
  await db.none(
    `UPDATE deliveries
        SET status = 'held', attempts = attempts - 1, lease_until = NULL, held_until = $2, hold_reason = $3,
            error_detail = $4, updated_at = now()
      WHERE id = $1`,
    [id, hold.until, hold.reason, hold.detail],
  );
}

/**
 * The provider's id of a page it accepted, written alone when the full record of `sent` failed: a delivery
 * carrying one is never sent again (see `requeueExpiredLeases`), the sweeper records it as sent instead.
 */
export async function noteProviderMessageId(db: Queryable, id: string, providerMessageId: string): Promise<void> {
  await db.none(`UPDATE deliveries SET provider_message_id = $2, updated_at = now() WHERE id = $1 AND status = 'sending'`, [id, providerMessageId]);
}

/**
 * Deliveries whose lease ran out while `sending` and that no provider accepted as far as we know: their
 * backend died mid-attempt. Puts them back in the queue (row locks make each come back once however many
 * backends sweep) and returns their ids. One with a provider id is left to `settleExpiredSent`, and
 * `sentHere` (pages this process sent but could not record yet) are left alone.
 */
export async function requeueExpiredLeases(db: Queryable, sentHere: readonly string[] = []): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `UPDATE deliveries SET status = 'queued', lease_until = NULL, updated_at = now()
      WHERE status = 'sending' AND lease_until < now() AND provider_message_id IS NULL AND id <> ALL($1::uuid[])
      RETURNING id, ${SEVERITY_OF_ALERT}`,
    [sentHere],
  );
  return rows.map(toQueued);
}

/** Deliveries whose lease ran out while `sending` though a provider had accepted them: recorded as sent. */
export async function settleExpiredSent(db: Queryable): Promise<Delivery[]> {
  const rows = await db.manyOrNone<DeliveryRow>(
    `UPDATE deliveries SET status = 'sent', sent_at = now(), lease_until = NULL, updated_at = now(), error_code = NULL, error_detail = NULL
      WHERE status = 'sending' AND lease_until < now() AND provider_message_id IS NOT NULL
      RETURNING *`,
  );
  return rows.map(toDelivery);
}

/**
 * Queued deliveries older than `graceMs` whose job is gone: deleted, or failed for good (its attempts used
 * up, so graphile-worker will never run it again), or locked for longer than the grace by a worker that died
 * (graphile-worker frees those only after four hours; a delivery job never legitimately runs that long).
 * A job being run (locked recently) counts as present. Touches
 * them so that a second sweeper skips them (row locks) and the next sweep waits another grace period.
 * graphile-worker 0.17's public `jobs` view carries the key, attempts and lock of every job.
 */
export async function claimOrphanedQueued(db: Queryable, graceMs: number, jobKeyPrefix: string): Promise<QueuedDelivery[]> {
  const rows = await db.manyOrNone<QueuedRow>(
    `UPDATE deliveries SET updated_at = now()
      WHERE id IN (
        SELECT d.id FROM deliveries d
         WHERE d.status = 'queued'
           AND d.updated_at < now() - $1 * interval '1 millisecond'
           AND NOT EXISTS (
             SELECT 1 FROM graphile_worker.jobs j
              WHERE j.key = $2 || d.id
                AND (j.locked_at > now() - $1 * interval '1 millisecond' OR (j.locked_at IS NULL AND j.attempts < j.max_attempts)))
         FOR UPDATE OF d SKIP LOCKED)
      RETURNING id, ${SEVERITY_OF_ALERT}`,
    [graceMs, jobKeyPrefix],
  );
  return rows.map(toQueued);
}

export async function listDeliveries(db: Queryable, alertId: string): Promise<Delivery[]> {
  const rows = await db.manyOrNone<DeliveryRow>('SELECT * FROM deliveries WHERE alert_id = $1 ORDER BY created_at, id', [alertId]);
  return rows.map(toDelivery);
}

export async function findDelivery(db: Queryable, id: string): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1', [id]);
  return row ? toDelivery(row) : null;
}

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
            updated_at = now()
      WHERE id = $(id) AND provider_status_rank < $(rank)
      RETURNING *`,
    { id, ...report },
  );
  return row ? toDelivery(row) : null;
}

/** Records who answered a call (answering machine detection), once; null when it was already recorded. */
export async function recordAnsweredBy(db: Queryable, id: string, answeredBy: 'human' | 'machine' | 'unknown', at: Date): Promise<Delivery | null> {
  const row = await db.oneOrNone<DeliveryRow>(
    `UPDATE deliveries SET answered_by = $2, answered_at = COALESCE(answered_at, $3), provider_status_at = $3, updated_at = now()
      WHERE id = $1 AND answered_by IS NULL
      RETURNING *`,
    [id, answeredBy, at],
  );
  return row ? toDelivery(row) : null;
}

/** An alert a page went to a phone number for, as a reply from that number may name it. */
export interface PagedAlert {
  alertId: string;
  tenantId: string;
  number: number;
  replyCode: string;
  status: AlertStatus;
  message: string;
  /** The person the page was for (the reply acts as them); null for a bare number target. */
  slackUserId: string | null;
  /** When the latest page of the alert to this number went out. */
  sentAt: Date;
}

/**
 * The alerts pages went to `address` for, newest page first, all tenants (only `number` when given): a
 * reply from a number may only act on these.
 */
export async function alertsPagedTo(db: Queryable, address: string, { number = null, limit = 50 }: { number?: number | null; limit?: number } = {}): Promise<PagedAlert[]> {
  return db.manyOrNone(
    `SELECT a.id AS "alertId", a.tenant_id AS "tenantId", a.number, a.reply_code AS "replyCode", a.status, a.message,
            d.slack_user_id AS "slackUserId", d.sent_at AS "sentAt"
       FROM (SELECT DISTINCT ON (alert_id) alert_id, slack_user_id, sent_at FROM deliveries
              WHERE address = $(address) AND status = 'sent' ORDER BY alert_id, sent_at DESC NULLS LAST) d
       JOIN alerts a ON a.id = d.alert_id
      WHERE $(number)::integer IS NULL OR a.number = $(number)::integer
      ORDER BY d.sent_at DESC NULLS LAST, a.id
      LIMIT $(limit)`,
    { address, number, limit },
  );
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
