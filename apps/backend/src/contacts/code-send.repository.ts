import type { Queryable } from '../db/database';
import type { RecentCodeSends } from './phone-verification';

// Any fixed 64-bit number works; it only has to be the same for every Klaxon backend on this database.
const CODE_SENDS_LOCK_ID = 7_202_612_071_100;

/** Whose sends to count: one person's, one destination's (whoever asked), or every send. */
export type CodeSendCount = { requester: { tenantId: string; slackUserId: string } } | { destinationHash: Buffer } | 'installation';

/** A code about to be sent, as the log keeps it. */
export interface CodeSend {
  tenantId: string;
  slackUserId: string;
  destinationHash: Buffer;
  channel: string;
  sentAt: Date;
}

/**
 * Serialises code reservations across every backend until the transaction ends: counting the sends and
 * logging a new one must be one step, or two requests at once would both see room under a limit (the
 * installation's included). Reservations are rare and short (the code is sent after the commit), so one lock
 * for all of them costs nothing that matters.
 */
export async function lockCodeSends(db: Queryable): Promise<void> {
  await db.one('SELECT pg_advisory_xact_lock($1)', [CODE_SENDS_LOCK_ID]);
}

/** The sends in `scope` after `since`: how many, and when the `nth` latest went. */
export async function recentCodeSends(db: Queryable, scope: CodeSendCount, { since, nth }: { since: Date; nth: number }): Promise<RecentCodeSends> {
  const where =
    scope === 'installation'
      ? { sql: 'TRUE', params: {} }
      : 'requester' in scope
        ? { sql: 'tenant_id = $(tenantId) AND slack_user_id = $(slackUserId)', params: scope.requester }
        : { sql: 'destination_hash = $(destinationHash)', params: { destinationHash: scope.destinationHash } };
  const row = await db.one<{ count: number; nth_latest: Date | null }>(
    `SELECT count(*)::int AS count, (array_agg(sent_at ORDER BY sent_at DESC))[$(nth)] AS nth_latest
       FROM verification_code_sends
      WHERE ${where.sql} AND sent_at > $(since)`,
    { ...where.params, since, nth },
  );
  return { count: row.count, nthLatest: row.nth_latest };
}

/** Logs a code as sent; its id takes it back if the provider refuses it. */
export async function recordCodeSend(db: Queryable, send: CodeSend): Promise<string> {
  const row = await db.one<{ id: string }>(
    `INSERT INTO verification_code_sends (tenant_id, slack_user_id, destination_hash, channel, sent_at)
     VALUES ($(tenantId), $(slackUserId), $(destinationHash), $(channel), $(sentAt)) RETURNING id`,
    send,
  );
  return row.id;
}

/** Takes back a logged send the provider refused: nothing went, so it counts against nobody. */
export async function withdrawCodeSend(db: Queryable, id: string): Promise<void> {
  await db.none('DELETE FROM verification_code_sends WHERE id = $1', [id]);
}

/** Forgets the sends at or before `before`, which no limit counts any more. */
export async function pruneCodeSends(db: Queryable, before: Date): Promise<void> {
  await db.none('DELETE FROM verification_code_sends WHERE sent_at <= $1', [before]);
}
