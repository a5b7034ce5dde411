import type { Queryable } from '../db/database';
import type { NoticeKind } from './handoff-plan';

// The hand-off notices sent, being sent, or refused for good (migration handoff-notices: why a row per notice).

export interface NoticeKey {
  scheduleId: string;
  person: string;
  start: Date;
  kind: NoticeKind;
}

/** Which of these notices have a row, whatever its state: the planner queues no job for them again. */
export async function recordedNotices(db: Queryable, keys: readonly NoticeKey[]): Promise<NoticeKey[]> {
  if (keys.length === 0) return [];
  const rows = await db.any<{ schedule_id: string; person: string; shift_start: Date; kind: NoticeKind }>(
    `SELECT n.schedule_id, n.person, n.shift_start, n.kind
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS k(schedule_id, person, shift_start, kind)
       JOIN handoff_notices n USING (schedule_id, person, shift_start, kind)`,
    [keys.map((k) => k.scheduleId), keys.map((k) => k.person), keys.map((k) => k.start), keys.map((k) => k.kind)],
  );
  return rows.map((row) => ({ scheduleId: row.schedule_id, person: row.person, start: row.shift_start, kind: row.kind }));
}

/**
 * Claims the notice for sending: true when this caller may send it. A notice already sent or refused is never
 * claimed again; one claimed for sending before `staleBefore` (its sender died mid-send) may be taken over.
 */
export async function claimNotice(db: Queryable, key: NoticeKey, now: Date, staleBefore: Date): Promise<boolean> {
  const row = await db.oneOrNone(
    `INSERT INTO handoff_notices (schedule_id, person, shift_start, kind, state, claimed_at)
     VALUES ($1, $2, $3, $4, 'sending', $5)
     ON CONFLICT (schedule_id, person, shift_start, kind) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE handoff_notices.state = 'sending' AND handoff_notices.claimed_at < $6
     RETURNING 1`,
    [key.scheduleId, key.person, key.start, key.kind, now, staleBefore],
  );
  return row !== null;
}

/** The claimed notice went out (`sent`) or Slack refused it for good (`failed`, with its code). */
export async function settleNotice(db: Queryable, key: NoticeKey, outcome: { state: 'sent' | 'failed'; at: Date; error?: string | null }): Promise<void> {
  await db.none(
    `UPDATE handoff_notices SET state = $5, sent_at = $6, error = $7
      WHERE schedule_id = $1 AND person = $2 AND shift_start = $3 AND kind = $4 AND state = 'sending'`,
    [key.scheduleId, key.person, key.start, key.kind, outcome.state, outcome.state === 'sent' ? outcome.at : null, outcome.error ?? null],
  );
}

/** Gives a claim back after a failure worth retrying: the job's next attempt claims it again. */
export async function releaseNotice(db: Queryable, key: NoticeKey): Promise<void> {
  await db.none(`DELETE FROM handoff_notices WHERE schedule_id = $1 AND person = $2 AND shift_start = $3 AND kind = $4 AND state = 'sending'`, [
    key.scheduleId,
    key.person,
    key.start,
    key.kind,
  ]);
}

/** Forgets the notices of shifts that started before `before`: the planner never looks that far back. */
export async function forgetNoticesBefore(db: Queryable, before: Date): Promise<number> {
  return (await db.result('DELETE FROM handoff_notices WHERE shift_start < $1', [before])).rowCount;
}

/** The names of the services paged through a policy that names this schedule, by name. */
export async function servicesUsingSchedule(db: Queryable, scheduleId: string): Promise<string[]> {
  return db.map(
    `SELECT DISTINCT s.name FROM services s JOIN escalation_policy_schedules l ON l.policy_id = s.escalation_policy_id
      WHERE l.schedule_id = $1 ORDER BY s.name`,
    [scheduleId],
    (row: { name: string }) => row.name,
  );
}
