import { prepared, type Queryable } from '../db/database';

/** A window `[start, end)` in which a service's alerts page nobody. */
export interface MaintenanceWindow {
  id: string;
  tenantId: string;
  service: string;
  start: Date;
  /** The planned end. */
  plannedEnd: Date;
  /** When it was ended early (DELETE, `/alert maintenance … end`); null otherwise. */
  endedEarlyAt: Date | null;
  reason: string | null;
  createdBy: string;
  createdAt: Date;
}

/** The end that counts: the early end when there was one. */
export const endOf = (window: MaintenanceWindow): Date => window.endedEarlyAt ?? window.plannedEnd;

interface MaintenanceRow {
  id: string;
  tenant_id: string;
  service: string;
  start_at: Date;
  end_at: Date;
  ended_early_at: Date | null;
  reason: string | null;
  created_by: string;
  created_at: Date;
}

const toWindow = (row: MaintenanceRow): MaintenanceWindow => ({
  id: row.id,
  tenantId: row.tenant_id,
  service: row.service,
  start: row.start_at,
  plannedEnd: row.end_at,
  endedEarlyAt: row.ended_early_at,
  reason: row.reason,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

const SELECT_WINDOWS = `SELECT m.id, s.tenant_id, s.name AS service, m.start_at, m.end_at, m.ended_early_at, m.reason, m.created_by, m.created_at
  FROM service_maintenance m JOIN services s ON s.id = m.service_id`;
/** Not over at the instant parameter `at` (`$3`): the early end, when there is one, is the end. */
const notOver = (at: string) => `m.end_at > ${at} AND (m.ended_early_at IS NULL OR m.ended_early_at > ${at})`;

/** Opens a window for the tenant's service; null when the tenant has no such service. */
export async function insertMaintenance(
  db: Queryable,
  write: { tenantId: string; service: string; start: Date; end: Date; reason: string | null; createdBy: string; now: Date },
): Promise<MaintenanceWindow | null> {
  const row = await db.oneOrNone<MaintenanceRow>(
    `WITH inserted AS (
       INSERT INTO service_maintenance (service_id, start_at, end_at, reason, created_by, created_at)
       SELECT id, $3, $4, $5, $6, $7 FROM services WHERE tenant_id = $1 AND name = $2
       RETURNING *)
     SELECT m.id, s.tenant_id, s.name AS service, m.start_at, m.end_at, m.ended_early_at, m.reason, m.created_by, m.created_at
       FROM inserted m JOIN services s ON s.id = m.service_id`,
    [write.tenantId, write.service, write.start, write.end, write.reason, write.createdBy, write.now],
  );
  return row ? toWindow(row) : null;
}

/** The service's windows not over at `at` (current and upcoming), earliest first. */
export async function listMaintenance(db: Queryable, tenantId: string, service: string, at: Date): Promise<MaintenanceWindow[]> {
  const rows = await db.any<MaintenanceRow>(`${SELECT_WINDOWS} WHERE s.tenant_id = $1 AND s.name = $2 AND ${notOver('$3')} ORDER BY m.start_at, m.created_at`, [tenantId, service, at]);
  return rows.map(toWindow);
}

/** The tenant's windows not over at `at`, by service then start: what `/alert maintenance` lists. */
export async function listTenantMaintenance(db: Queryable, tenantId: string, at: Date): Promise<MaintenanceWindow[]> {
  const rows = await db.any<MaintenanceRow>(`${SELECT_WINDOWS} WHERE s.tenant_id = $1 AND ${notOver('$2')} ORDER BY s.name, m.start_at, m.created_at`, [tenantId, at]);
  return rows.map(toWindow);
}

/** The window holding `at` for the service (the one ending last when several do), or null. */
// Every raise for a service asks it: prepared (db/database.ts).
const MAINTENANCE_AT = prepared(
  'maintenance-at',
  `${SELECT_WINDOWS} WHERE s.tenant_id = $1::text AND s.name = $2::text AND ${notOver('$3::timestamptz')} AND m.start_at <= $3::timestamptz
    ORDER BY coalesce(m.ended_early_at, m.end_at) DESC LIMIT 1`,
);

export async function maintenanceAt(db: Queryable, tenantId: string, service: string, at: Date): Promise<MaintenanceWindow | null> {
  const row = await db.oneOrNone<MaintenanceRow>(MAINTENANCE_AT(tenantId, service, at));
  return row ? toWindow(row) : null;
}

/**
 * Ends the window at `at` if it is not over yet (one that has not started never happens: it ends before its
 * start). Null when the service has no such window; the window as it was when it was already over.
 */
export async function endMaintenanceEarly(db: Queryable, tenantId: string, service: string, id: string, at: Date): Promise<MaintenanceWindow | null> {
  const ended = await db.oneOrNone<MaintenanceRow>(
    `UPDATE service_maintenance m SET ended_early_at = $3 FROM services s
      WHERE s.id = m.service_id AND s.tenant_id = $1 AND s.name = $2 AND m.id = $4 AND ${notOver('$3')}
      RETURNING m.id, s.tenant_id, s.name AS service, m.start_at, m.end_at, m.ended_early_at, m.reason, m.created_by, m.created_at`,
    [tenantId, service, at, id],
  );
  if (ended) return toWindow(ended);
  const row = await db.oneOrNone<MaintenanceRow>(`${SELECT_WINDOWS} WHERE s.tenant_id = $1 AND s.name = $2 AND m.id = $3`, [tenantId, service, id]);
  return row ? toWindow(row) : null;
}
