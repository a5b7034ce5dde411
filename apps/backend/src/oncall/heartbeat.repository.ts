import type { HeartbeatState, Severity } from '@klaxon/contracts';
import type { Queryable } from '../db/database';

/** A dead man's switch: pinged every `intervalSeconds`, down when no ping came for interval + grace. */
export interface Heartbeat {
  id: string;
  tenantId: string;
  name: string;
  /** The service's name. */
  service: string;
  intervalSeconds: number;
  graceSeconds: number;
  severity: Severity;
  lastPingAt: Date | null;
  /** When it goes down unless pinged before. */
  deadline: Date;
  state: HeartbeatState;
  alertId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface HeartbeatRow {
  id: string;
  tenant_id: string;
  name: string;
  service: string;
  interval_seconds: number;
  grace_seconds: number;
  severity: Severity;
  last_ping_at: Date | null;
  deadline: Date;
  state: HeartbeatState;
  alert_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const toHeartbeat = (row: HeartbeatRow): Heartbeat => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  service: row.service,
  intervalSeconds: row.interval_seconds,
  graceSeconds: row.grace_seconds,
  severity: row.severity,
  lastPingAt: row.last_ping_at,
  deadline: row.deadline,
  state: row.state,
  alertId: row.alert_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const COLUMNS = 'h.id, h.tenant_id, h.name, s.name AS service, h.interval_seconds, h.grace_seconds, h.severity, h.last_ping_at, h.deadline, h.state, h.alert_id, h.created_at, h.updated_at';
const SELECT_HEARTBEATS = `SELECT ${COLUMNS} FROM heartbeats h JOIN services s ON s.id = h.service_id`;
/** interval + grace after `from`, in SQL. */
const deadlineAfter = (from: string) => `${from} + make_interval(secs => h.interval_seconds + h.grace_seconds)`;

/**
 * Creates or replaces the heartbeat. A new one must be pinged within interval + grace of `now`; a replaced one
 * keeps its pings and state, its deadline moved to the new interval + grace after its last ping (or `now`).
 * Null when the tenant has no such service.
 */
export async function saveHeartbeat(
  tx: Queryable,
  write: { tenantId: string; name: string; service: string; intervalSeconds: number; graceSeconds: number; severity: Severity; now: Date },
): Promise<{ created: boolean } | null> {
  return tx.oneOrNone<{ created: boolean }>(
    `INSERT INTO heartbeats AS h (tenant_id, name, service_id, interval_seconds, grace_seconds, severity, deadline, created_at, updated_at)
     SELECT $1, $2, s.id, $4, $5, $6, $7::timestamptz + make_interval(secs => $4 + $5), $7, $7 FROM services s WHERE s.tenant_id = $1 AND s.name = $3
     ON CONFLICT (tenant_id, name) DO UPDATE SET service_id = excluded.service_id, interval_seconds = excluded.interval_seconds,
       grace_seconds = excluded.grace_seconds, severity = excluded.severity, updated_at = excluded.updated_at,
       deadline = coalesce(h.last_ping_at, excluded.updated_at) + make_interval(secs => excluded.interval_seconds + excluded.grace_seconds)
     RETURNING (xmax = 0) AS created`,
    [write.tenantId, write.name, write.service, write.intervalSeconds, write.graceSeconds, write.severity, write.now],
  );
}

export async function findHeartbeat(db: Queryable, tenantId: string, name: string): Promise<Heartbeat | null> {
  const row = await db.oneOrNone<HeartbeatRow>(`${SELECT_HEARTBEATS} WHERE h.tenant_id = $1 AND h.name = $2`, [tenantId, name]);
  return row ? toHeartbeat(row) : null;
}

/** The tenant's heartbeats by name. */
export async function listHeartbeats(db: Queryable, tenantId: string): Promise<Heartbeat[]> {
  return (await db.any<HeartbeatRow>(`${SELECT_HEARTBEATS} WHERE h.tenant_id = $1 ORDER BY h.name`, [tenantId])).map(toHeartbeat);
}

export async function deleteHeartbeat(db: Queryable, tenantId: string, name: string): Promise<boolean> {
  return (await db.result('DELETE FROM heartbeats WHERE tenant_id = $1 AND name = $2', [tenantId, name])).rowCount > 0;
}

/**
 * A ping at `at`: the heartbeat is up until interval + grace later. Answers it with the state it had before
 * (a `down` one names the alert its ping resolves); null when the tenant has no such heartbeat. The row lock
 * waits for a check raising its alert right now, so the ping sees that alert.
 */
export async function recordPing(db: Queryable, tenantId: string, name: string, at: Date): Promise<{ heartbeat: Heartbeat; previous: HeartbeatState } | null> {
  const row = await db.oneOrNone<HeartbeatRow & { previous: HeartbeatState }>(
    `WITH before AS (SELECT id, state FROM heartbeats WHERE tenant_id = $1 AND name = $2 FOR UPDATE),
     pinged AS (
       UPDATE heartbeats h SET last_ping_at = $3, deadline = ${deadlineAfter('$3::timestamptz')}, state = 'up'
         FROM before WHERE h.id = before.id RETURNING h.*, before.state AS previous)
     SELECT ${COLUMNS}, h.previous FROM pinged h JOIN services s ON s.id = h.service_id`,
    [tenantId, name, at],
  );
  return row ? { heartbeat: toHeartbeat(row), previous: row.previous } : null;
}

/**
 * In the caller's transaction: up to `limit` heartbeats that are up and whose deadline is at or before `at`,
 * locked; those another checker holds are skipped (it is raising their alerts).
 */
export async function claimMissedHeartbeats(tx: Queryable, at: Date, limit: number): Promise<Heartbeat[]> {
  const rows = await tx.any<HeartbeatRow>(
    `WITH due AS (SELECT id FROM heartbeats WHERE state = 'up' AND deadline <= $1 ORDER BY deadline LIMIT $2 FOR UPDATE SKIP LOCKED)
     ${SELECT_HEARTBEATS} WHERE h.id IN (SELECT id FROM due) ORDER BY h.deadline`,
    [at, limit],
  );
  return rows.map(toHeartbeat);
}

/** In the claim's transaction: the heartbeat is down, with the alert raised for it. */
export async function markHeartbeatDown(tx: Queryable, id: string, alertId: string): Promise<void> {
  await tx.none(`UPDATE heartbeats SET state = 'down', alert_id = $2 WHERE id = $1`, [id, alertId]);
}

/** In the claim's transaction: the alert could not be raised; the check tries again at `retryAt`. */
export async function postponeHeartbeatCheck(tx: Queryable, id: string, retryAt: Date): Promise<void> {
  await tx.none('UPDATE heartbeats SET deadline = $2 WHERE id = $1', [id, retryAt]);
}
