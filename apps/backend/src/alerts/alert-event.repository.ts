import type { AlertEventData, AlertEventKind } from '@klaxon/contracts';
import { sql, type Queryable } from '../db/database';

/** An event to append: its kind fixes the shape of its data (a union over the kinds by default). */
export type NewAlertEvent<K extends AlertEventKind = AlertEventKind> = {
  [P in K]: {
    alertId: string;
    tenantId: string;
    kind: P;
    actor: string | null;
    note?: string | null;
    data: AlertEventData<P>;
  };
}[K];

/** A stored event, its data shaped by its kind. */
export type AlertEvent<K extends AlertEventKind = AlertEventKind> = {
  [P in K]: {
    id: number;
    alertId: string;
    kind: P;
    actor: string | null;
    note: string | null;
    data: AlertEventData<P>;
    createdAt: Date;
  };
}[K];

/** Appends to the audit trail; the table refuses updates and deletes. */
export async function appendAlertEvent(db: Queryable, event: NewAlertEvent): Promise<void> {
  await appendAlertEvents(db, [event]);
}

/** Appends several events in one INSERT, in the order given. */
export async function appendAlertEvents(db: Queryable, events: readonly NewAlertEvent[]): Promise<void> {
  if (events.length > 0) await db.none(appendAlertEventsQuery(events));
}

/**
 * Appends several events in one INSERT, in the order given (identity order is insertion order), as formatted
 * SQL: a raise writes them in its own statement.
 */
export function appendAlertEventsQuery(events: readonly NewAlertEvent[]): string {
  return sql.format(
    `INSERT INTO alert_events (alert_id, tenant_id, kind, actor, note, data)
     SELECT e.alert_id, e.tenant_id, e.kind, e.actor, e.note, e.data
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY AS e(alert_id, tenant_id, kind, actor, note, data, ord)
      ORDER BY e.ord`,
    [
      events.map((e) => e.alertId),
      events.map((e) => e.tenantId),
      events.map((e) => e.kind),
      events.map((e) => e.actor),
      events.map((e) => e.note ?? null),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

/** The alert's timeline, oldest first (identity order is insertion order). */
export async function listAlertEvents(db: Queryable, alertId: string): Promise<AlertEvent[]> {
  const rows = await db.manyOrNone<{ id: string; alert_id: string; kind: AlertEventKind; actor: string | null; note: string | null; data: AlertEventData; created_at: Date }>(
    'SELECT id, alert_id, kind, actor, note, data, created_at FROM alert_events WHERE alert_id = $1 ORDER BY id',
    [alertId],
  );
  // bigint arrives as a string; a timeline will not reach 2^53 events. Every row was written as a NewAlertEvent,
  // whose type pairs each kind with its data: read back, a row is taken as such.
  return rows.map((r) => ({ id: Number(r.id), alertId: r.alert_id, kind: r.kind, actor: r.actor, note: r.note, data: r.data, createdAt: r.created_at }) as AlertEvent);
}

/**
 * The last escalation round that ran for the alert, 0 before the first: its `escalated` events, or for an alert
 * escalating through a service's policy its `escalation.step` events (the raise's step 1 is round 0).
 */
export async function lastEscalatedRound(db: Queryable, alertId: string): Promise<number> {
  const row = await db.one<{ round: number }>(
    `SELECT COALESCE(max((data->>'round')::int), 0) AS round FROM alert_events WHERE alert_id = $1 AND kind IN ('escalated', 'escalation.step')`,
    [alertId],
  );
  return row.round;
}
