import type { TwilioWebhookKind } from '@klaxon/contracts';
import type { Queryable } from '../db/database';

/** A remembered webhook: being processed (no answer yet), or answered (TwiML, or null for a status's 204). */
export type RememberedWebhook = { answered: false } | { answered: true; answer: string | null };

/**
 * Claims a webhook for processing: true when this caller inserted it, or took over a claim older than
 * `staleAfterMs` that was never answered (its backend died). The primary key makes two copies at once
 * claim it once.
 */
export async function claimWebhook(db: Queryable, webhook: { key: string; kind: TwilioWebhookKind; receivedAt: Date }, staleAfterMs: number): Promise<boolean> {
  const row = await db.oneOrNone(
    `INSERT INTO twilio_webhooks (key, kind, received_at) VALUES ($(key), $(kind), $(receivedAt))
     ON CONFLICT (key) DO UPDATE SET claimed_at = now()
      WHERE twilio_webhooks.answered_at IS NULL AND twilio_webhooks.claimed_at < now() - $(staleAfterMs) * interval '1 millisecond'
     RETURNING key`,
    { ...webhook, staleAfterMs },
  );
  return row !== null;
}

export async function findWebhook(db: Queryable, key: string): Promise<RememberedWebhook | null> {
  const row = await db.oneOrNone<{ answered_at: Date | null; answer: string | null }>('SELECT answered_at, answer FROM twilio_webhooks WHERE key = $1', [key]);
  if (!row) return null;
  return row.answered_at === null ? { answered: false } : { answered: true, answer: row.answer };
}

export async function answerWebhook(db: Queryable, key: string, answer: string | null): Promise<void> {
  await db.none('UPDATE twilio_webhooks SET answered_at = now(), answer = $2 WHERE key = $1', [key, answer]);
}

/** Forgets a claim whose processing failed, so that Twilio's retry (or a waiting copy) can do the work. */
export async function releaseWebhook(db: Queryable, key: string): Promise<void> {
  await db.none('DELETE FROM twilio_webhooks WHERE key = $1 AND answered_at IS NULL', [key]);
}

/** Forgets status callbacks and keypresses received before `before`; inbound messages are kept. Returns how many. */
export async function forgetOldWebhooks(db: Queryable, before: Date): Promise<number> {
  const { count } = await db.one<{ count: number }>(
    `WITH forgotten AS (DELETE FROM twilio_webhooks WHERE kind <> 'inbound' AND received_at < $1 RETURNING 1)
     SELECT count(*)::int AS count FROM forgotten`,
    [before],
  );
  return count;
}
