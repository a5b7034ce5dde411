import { SEVERITIES, type PagerDutyAction, type Severity } from '@klaxon/contracts';
import { prepared, sql, type Queryable } from '../../db/database';

export interface PagerDutySettings {
  tenantId: string;
  /** Secret: masked at the HTTP edge, never logged. */
  routingKey: string;
  minSeverity: Severity;
  updatedAt: Date;
}

interface SettingsRow {
  tenant_id: string;
  routing_key: string;
  min_severity: Severity;
  updated_at: Date;
}

const toSettings = (row: SettingsRow): PagerDutySettings => ({ tenantId: row.tenant_id, routingKey: row.routing_key, minSeverity: row.min_severity, updatedAt: row.updated_at });

// Every raise asks whether its tenant forwards to PagerDuty: prepared (database.ts).
const FIND_SETTINGS = prepared('find-pagerduty-settings', 'SELECT tenant_id, routing_key, min_severity, updated_at FROM pagerduty_integrations WHERE tenant_id = $1::text');

export async function findPagerDutySettings(db: Queryable, tenantId: string): Promise<PagerDutySettings | null> {
  const row = await db.oneOrNone<SettingsRow>(FIND_SETTINGS(tenantId));
  return row ? toSettings(row) : null;
}

export async function savePagerDutySettings(db: Queryable, tenantId: string, routingKey: string, minSeverity: Severity): Promise<PagerDutySettings> {
  const row = await db.one<SettingsRow>(
    `INSERT INTO pagerduty_integrations (tenant_id, routing_key, min_severity) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET routing_key = excluded.routing_key, min_severity = excluded.min_severity, updated_at = now()
     RETURNING *`,
    [tenantId, routingKey, minSeverity],
  );
  return toSettings(row);
}

/** Records that `action` is owed to PagerDuty for each alert; a second request for the same action is a no-op. */
export async function queuePagerDutyEvents(db: Queryable, alertIds: readonly string[], action: PagerDutyAction): Promise<void> {
  if (alertIds.length > 0) await db.none('INSERT INTO pagerduty_events (alert_id, action) SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING', [alertIds, action]);
}

/**
 * Whether the tenant forwards an alert of `severity` to PagerDuty (it has a routing key, and the severity is
 * at or above its minimum), as a formatted SQL condition: a raise's statement evaluates it, so the raise
 * reads the settings without a round trip of its own.
 */
export function forwardsToPagerDutyCondition(tenantId: string, severity: Severity): string {
  return sql.format(
    `EXISTS (SELECT 1 FROM pagerduty_integrations p
              WHERE p.tenant_id = $1 AND array_position($2::text[], p.min_severity) <= array_position($2::text[], $3))`,
    [tenantId, SEVERITIES, severity],
  );
}

/** Raised alerts' trigger events, written where `condition` (formatted SQL) holds, for a raise to write with its alerts. */
export function queuePagerDutyTriggersQuery(alertIds: readonly string[], condition: string): string {
  return sql.format("INSERT INTO pagerduty_events (alert_id, action) SELECT unnest($1::uuid[]), 'trigger' WHERE $2:raw ON CONFLICT DO NOTHING", [alertIds, condition]);
}

/** Which of these alerts went (or are going) to PagerDuty at all: their later changes follow only then. */
export async function sentToPagerDuty(db: Queryable, alertIds: readonly string[]): Promise<Set<string>> {
  if (alertIds.length === 0) return new Set();
  const ids = await db.map("SELECT alert_id FROM pagerduty_events WHERE alert_id = ANY($1::uuid[]) AND action = 'trigger'", [alertIds], (row: { alert_id: string }) => row.alert_id);
  return new Set(ids);
}

export interface PagerDutyEventRow {
  action: PagerDutyAction;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
}

/** The alert's PagerDuty events in the order they must reach PagerDuty. */
export async function listPagerDutyEvents(db: Queryable, alertId: string): Promise<PagerDutyEventRow[]> {
  const rows = await db.any<{ action: PagerDutyAction; status: PagerDutyEventRow['status']; attempts: number; last_error: string | null }>(
    `SELECT action, status, attempts, last_error FROM pagerduty_events WHERE alert_id = $1
      ORDER BY array_position(ARRAY['trigger', 'acknowledge', 'resolve'], action)`,
    [alertId],
  );
  return rows.map((row) => ({ action: row.action, status: row.status, attempts: row.attempts, lastError: row.last_error }));
}

export async function recordPagerDutyOutcome(
  db: Queryable,
  alertId: string,
  action: PagerDutyAction,
  outcome: { status: 'queued' | 'sent' | 'failed'; error: string | null },
): Promise<number> {
  const row = await db.one<{ attempts: number }>(
    `UPDATE pagerduty_events SET status = $3, attempts = attempts + 1, last_error = $4, sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
      WHERE alert_id = $1 AND action = $2 RETURNING attempts`,
    [alertId, action, outcome.status, outcome.error],
  );
  return row.attempts;
}
