import { formatDuration, type Weekday } from '@klaxon/contracts';
import { prepared, type Queryable } from '../db/database';
import { deleteUnlessUsed, storedDuration } from './oncall.repository';
import type { Layer, Override, Schedule } from './schedule';

/** A schedule as stored: the pure core's Schedule plus who owns it and its calendar token. */
export interface StoredSchedule {
  id: string;
  tenantId: string;
  name: string;
  schedule: Schedule;
  /** Secret: the calendar URL's last part. */
  calendarToken: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredOverride extends Override {
  scheduleId: string;
  createdAt: Date;
}

/** A layer in the jsonb document: the request's shape, with the shift in canonical text (`1w`). */
interface LayerJson {
  name: string;
  members: string[];
  shift: string;
  handoff: string;
  restrict?: { days: Weekday[]; from: string; to: string }[];
}

interface ScheduleRow {
  id: string;
  tenant_id: string;
  name: string;
  time_zone: string;
  layers: LayerJson[];
  calendar_token: string;
  created_at: Date;
  updated_at: Date;
}

interface OverrideRow {
  id: string;
  schedule_id: string;
  person: string;
  start_at: Date;
  end_at: Date;
  created_at: Date;
}

const toLayerJson = (layer: Layer): LayerJson => ({
  name: layer.name,
  members: [...layer.members],
  shift: formatDuration(layer.shift),
  handoff: layer.handoff,
  ...(layer.restrict === undefined ? {} : { restrict: layer.restrict.map((r) => ({ days: [...r.days], from: r.from, to: r.to })) }),
});

function toLayer(json: LayerJson): Layer {
  return { name: json.name, members: json.members, shift: storedDuration(json.shift), handoff: json.handoff, ...(json.restrict === undefined ? {} : { restrict: json.restrict }) };
}

const toStoredSchedule = (row: ScheduleRow): StoredSchedule => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  schedule: { timeZone: row.time_zone, layers: row.layers.map(toLayer) },
  calendarToken: row.calendar_token,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toStoredOverride = (row: OverrideRow): StoredOverride => ({
  id: row.id,
  scheduleId: row.schedule_id,
  person: row.person,
  start: row.start_at,
  end: row.end_at,
  createdAt: row.created_at,
});

/**
 * Creates the schedule or replaces its zone and layers, keeping its id, calendar token and creation time
 * (`calendarToken` is used only when it is created). `created` tells the two apart.
 */
export async function saveSchedule(
  db: Queryable,
  write: { tenantId: string; name: string; schedule: Schedule; calendarToken: string; now: Date },
): Promise<{ schedule: StoredSchedule; created: boolean }> {
  // xmax is 0 only on a row this statement inserted: the one way to tell an insert from an update in one statement.
  const row = await db.one<ScheduleRow & { created: boolean }>(
    `INSERT INTO schedules (tenant_id, name, time_zone, layers, calendar_token, created_at, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)
     ON CONFLICT (tenant_id, name) DO UPDATE SET time_zone = excluded.time_zone, layers = excluded.layers, updated_at = excluded.updated_at
     RETURNING *, (xmax = 0) AS created`,
    [write.tenantId, write.name, write.schedule.timeZone, JSON.stringify(write.schedule.layers.map(toLayerJson)), write.calendarToken, write.now],
  );
  return { schedule: toStoredSchedule(row), created: row.created };
}

export async function findSchedule(db: Queryable, tenantId: string, name: string): Promise<StoredSchedule | null> {
  const row = await db.oneOrNone<ScheduleRow>('SELECT * FROM schedules WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
  return row ? toStoredSchedule(row) : null;
}

/** The schedule whose calendar token has this SHA-256 (see the migration calendar-token-hash: why by hash). */
export async function findScheduleByCalendarTokenHash(db: Queryable, tokenHash: Buffer): Promise<StoredSchedule | null> {
  const row = await db.oneOrNone<ScheduleRow>('SELECT * FROM schedules WHERE calendar_token_hash = $1', [tokenHash]);
  return row ? toStoredSchedule(row) : null;
}

export async function findScheduleById(db: Queryable, id: string): Promise<StoredSchedule | null> {
  const row = await db.oneOrNone<ScheduleRow>('SELECT * FROM schedules WHERE id = $1', [id]);
  return row ? toStoredSchedule(row) : null;
}

/** Every tenant's schedules, in a stable order (the hand-off planner walks them all). */
export async function listAllSchedules(db: Queryable): Promise<StoredSchedule[]> {
  const rows = await db.any<ScheduleRow>('SELECT * FROM schedules ORDER BY tenant_id, name');
  return rows.map(toStoredSchedule);
}

/** The tenant's schedules by name. */
export async function listSchedules(db: Queryable, tenantId: string): Promise<StoredSchedule[]> {
  const rows = await db.any<ScheduleRow>('SELECT * FROM schedules WHERE tenant_id = $1 ORDER BY name', [tenantId]);
  return rows.map(toStoredSchedule);
}

/**
 * The ids of those of `names` the tenant has, locked against deletion (FOR KEY SHARE) until the transaction
 * ends: a policy written in it may then link them without a DELETE slipping in between.
 */
export async function lockScheduleIds(db: Queryable, tenantId: string, names: readonly string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db.any<{ id: string; name: string }>('SELECT id, name FROM schedules WHERE tenant_id = $1 AND name = ANY($2::text[]) FOR KEY SHARE', [tenantId, names]);
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Deletes the schedule and its overrides, unless a policy names it: then `usedBy` lists those policies. */
export function deleteSchedule(db: Queryable, tenantId: string, name: string): Promise<{ deleted: boolean; usedBy: string[] }> {
  return deleteUnlessUsed(
    db,
    'DELETE FROM schedules WHERE tenant_id = $1 AND name = $2',
    `SELECT p.name FROM escalation_policies p JOIN escalation_policy_schedules l ON l.policy_id = p.id
      JOIN schedules s ON s.id = l.schedule_id WHERE s.tenant_id = $1 AND s.name = $2 ORDER BY p.name`,
    [tenantId, name],
  );
}

export async function replaceCalendarToken(db: Queryable, tenantId: string, name: string, token: string, now: Date): Promise<StoredSchedule | null> {
  const row = await db.oneOrNone<ScheduleRow>('UPDATE schedules SET calendar_token = $3, updated_at = $4 WHERE tenant_id = $1 AND name = $2 RETURNING *', [tenantId, name, token, now]);
  return row ? toStoredSchedule(row) : null;
}

export async function insertOverride(db: Queryable, scheduleId: string, override: { person: string; start: Date; end: Date; now: Date }): Promise<StoredOverride> {
  const row = await db.one<OverrideRow>(
    'INSERT INTO schedule_overrides (schedule_id, person, start_at, end_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [scheduleId, override.person, override.start, override.end, override.now],
  );
  return toStoredOverride(row);
}

/**
 * The overrides of these schedules that overlap `[from, until)`, each schedule's in the order they were
 * created: the order in which the pure core lets a later one win where they overlap.
 */
export async function listOverrides(db: Queryable, scheduleIds: readonly string[], from: Date, until: Date): Promise<StoredOverride[]> {
  if (scheduleIds.length === 0) return [];
  const rows = await db.any<OverrideRow>(
    'SELECT * FROM schedule_overrides WHERE schedule_id = ANY($1::uuid[]) AND end_at > $2 AND start_at < $3 ORDER BY seq',
    [scheduleIds, from, until],
  );
  return rows.map(toStoredOverride);
}

/**
 * The tenant's schedules of these names, each with the overrides in force at `at` (in the order they were
 * created), in one query: all that whoIsOnCall(at) needs, for a page that must not wait on round trips.
 */
// Every raise for a service reads its step's schedules: prepared (db/database.ts), its columns named.
const SCHEDULES_AT = prepared(
  'schedules-at',
  `SELECT sc.id, sc.tenant_id, sc.name, sc.time_zone, sc.layers, sc.calendar_token, sc.created_at, sc.updated_at,
          COALESCE((SELECT json_agg(o ORDER BY o.seq) FROM schedule_overrides o
                     WHERE o.schedule_id = sc.id AND o.start_at <= $3::timestamptz AND o.end_at > $3::timestamptz), '[]') AS overrides
     FROM schedules sc WHERE sc.tenant_id = $1::text AND sc.name = ANY($2::text[])`,
);

export async function schedulesAt(db: Queryable, tenantId: string, names: readonly string[], at: Date): Promise<Array<{ stored: StoredSchedule; overrides: StoredOverride[] }>> {
  if (names.length === 0) return [];
  const rows = await db.any<ScheduleRow & { overrides: Array<Omit<OverrideRow, 'start_at' | 'end_at' | 'created_at'> & { start_at: string; end_at: string; created_at: string }> }>(
    SCHEDULES_AT(tenantId, names, at),
  );
  // json_agg writes timestamps as text.
  return rows.map((row) => ({
    stored: toStoredSchedule(row),
    overrides: row.overrides.map((o) => toStoredOverride({ ...o, start_at: new Date(o.start_at), end_at: new Date(o.end_at), created_at: new Date(o.created_at) })),
  }));
}

export async function deleteOverride(db: Queryable, scheduleId: string, overrideId: string): Promise<boolean> {
  const rows = await db.result('DELETE FROM schedule_overrides WHERE schedule_id = $1 AND id = $2', [scheduleId, overrideId]);
  return rows.rowCount > 0;
}
