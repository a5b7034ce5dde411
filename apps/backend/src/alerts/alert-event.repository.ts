import type { Queryable } from '../db/database';

export interface NewAlertEvent {
  alertId: string;
  tenantId: string;
  kind: string;
  actor: string | null;
  note?: string | null;
  data?: Record<string, unknown>;
}

/** Appends to the audit trail; the table refuses updates and deletes. */
export async function appendAlertEvent(db: Queryable, event: NewAlertEvent): Promise<void> {
  await db.none(
    `INSERT INTO alert_events (alert_id, tenant_id, kind, actor, note, data) VALUES ($1, $2, $3, $4, $5, $6)`,
    [event.alertId, event.tenantId, event.kind, event.actor, event.note ?? null, event.data ?? {}],
  );
}
