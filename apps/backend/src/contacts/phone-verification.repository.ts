import type { Queryable } from '../db/database';
import type { PendingPhone } from './phone-verification';

interface PendingPhoneRow {
  tenant_id: string;
  slack_user_id: string;
  phone: string;
  channel: string;
  code_salt: Buffer;
  code_hash: Buffer;
  expires_at: Date;
  attempts: number;
  sent_at: Date;
}

function toPendingPhone(row: PendingPhoneRow): PendingPhone {
  return {
    tenantId: row.tenant_id,
    slackUserId: row.slack_user_id,
    phone: row.phone,
    channel: row.channel,
    codeSalt: row.code_salt,
    codeHash: row.code_hash,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    sentAt: row.sent_at,
  };
}

/** The number waiting for its code, if any; `forUpdate` locks it to the end of the transaction. */
export async function findPendingPhone(db: Queryable, tenantId: string, slackUserId: string, { forUpdate = false } = {}): Promise<PendingPhone | null> {
  const row = await db.oneOrNone<PendingPhoneRow>(
    `SELECT * FROM phone_verifications WHERE tenant_id = $1 AND slack_user_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, slackUserId],
  );
  return row ? toPendingPhone(row) : null;
}

/** Stores a new pending number with a fresh code, replacing the person's previous one (attempts start over). */
export async function savePendingPhone(db: Queryable, pending: PendingPhone): Promise<void> {
  await db.none(
    `INSERT INTO phone_verifications (tenant_id, slack_user_id, phone, channel, code_salt, code_hash, expires_at, attempts, sent_at)
     VALUES ($(tenantId), $(slackUserId), $(phone), $(channel), $(codeSalt), $(codeHash), $(expiresAt), 0, $(sentAt))
     ON CONFLICT (tenant_id, slack_user_id) DO UPDATE
        SET phone = excluded.phone, channel = excluded.channel, code_salt = excluded.code_salt, code_hash = excluded.code_hash,
            expires_at = excluded.expires_at, attempts = 0, sent_at = excluded.sent_at`,
    pending,
  );
}

/** One more wrong code typed; committed on its own, so a refused try still counts. */
export async function recordWrongCode(db: Queryable, tenantId: string, slackUserId: string): Promise<void> {
  await db.none('UPDATE phone_verifications SET attempts = attempts + 1 WHERE tenant_id = $1 AND slack_user_id = $2', [tenantId, slackUserId]);
}

/** Forgets the pending numbers of these people: confirmed, or replaced by a number an operator set. */
export async function deletePendingPhones(db: Queryable, tenantId: string, slackUserIds: readonly string[]): Promise<void> {
  if (slackUserIds.length === 0) return;
  await db.none('DELETE FROM phone_verifications WHERE tenant_id = $1 AND slack_user_id = ANY($2::text[])', [tenantId, slackUserIds]);
}

/**
 * Takes back a pending number whose code could not be sent: the row goes back to what it was before
 * (`previous`), or away when there was none. A row a later request replaced meanwhile (another code hash)
 * is left alone.
 */
export async function withdrawPendingPhone(db: Queryable, stored: PendingPhone, previous: PendingPhone | null): Promise<void> {
  if (!previous) {
    await db.none('DELETE FROM phone_verifications WHERE tenant_id = $1 AND slack_user_id = $2 AND code_hash = $3', [stored.tenantId, stored.slackUserId, stored.codeHash]);
    return;
  }
  await db.none(
    `UPDATE phone_verifications
        SET phone = $(phone), channel = $(channel), code_salt = $(codeSalt), code_hash = $(codeHash), expires_at = $(expiresAt),
            attempts = $(attempts), sent_at = $(sentAt)
      WHERE tenant_id = $(tenantId) AND slack_user_id = $(slackUserId) AND code_hash = $(storedHash)`,
    { ...previous, storedHash: stored.codeHash },
  );
}
