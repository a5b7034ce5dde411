import type { Queryable } from '../db/database';
import type { Contact, ContactWrite } from './contact';

interface ContactRow {
  tenant_id: string;
  slack_user_id: string;
  name: string | null;
  phone: string;
  channels: Contact['channels'];
  source: Contact['source'];
  refreshed_at: Date;
  updated_at: Date;
}

function toContact(row: ContactRow): Contact {
  return {
    tenantId: row.tenant_id,
    slackUserId: row.slack_user_id,
    name: row.name,
    phone: row.phone,
    channels: row.channels,
    source: row.source,
    refreshedAt: row.refreshed_at,
    updatedAt: row.updated_at,
  };
}

// The schema allows a contact without a number; for paging such a row is as good as none.
export async function findContact(db: Queryable, tenantId: string, slackUserId: string): Promise<Contact | null> {
  const row = await db.oneOrNone<ContactRow>(
    'SELECT * FROM contacts WHERE tenant_id = $1 AND slack_user_id = $2 AND phone IS NOT NULL',
    [tenantId, slackUserId],
  );
  return row ? toContact(row) : null;
}

/**
 * Writes a contact and returns what is stored afterwards. A copy of the Slack profile never replaces a
 * number the person set themselves or an import: the rule is in the SQL, so a cache refresh racing
 * `/alert phone` cannot win.
 */
export async function upsertContact(db: Queryable, write: ContactWrite): Promise<Contact> {
  const row = await db.oneOrNone<ContactRow>(
    `INSERT INTO contacts (tenant_id, slack_user_id, name, phone, channels, source, refreshed_at, updated_at)
     VALUES ($(tenantId), $(slackUserId), $(name), $(phone),
             COALESCE($(channels)::text[], ARRAY['whatsapp', 'voice', 'sms']), $(source), now(), now())
     ON CONFLICT (tenant_id, slack_user_id) DO UPDATE
        SET name = COALESCE(excluded.name, contacts.name),
            phone = excluded.phone,
            channels = COALESCE($(channels)::text[], contacts.channels),
            source = excluded.source,
            refreshed_at = now(),
            updated_at = now()
      WHERE contacts.source = 'slack' OR excluded.source <> 'slack'
     RETURNING *`,
    { ...write, channels: write.channels ?? null },
  );
  if (row) return toContact(row);
  const kept = await findContact(db, write.tenantId, write.slackUserId);
  if (!kept) throw new Error(`contact ${write.tenantId}/${write.slackUserId} was neither written nor found`);
  return kept;
}

/** Drops a cached Slack profile number that Slack no longer has; numbers people set stay. */
export async function forgetSlackContact(db: Queryable, tenantId: string, slackUserId: string): Promise<void> {
  await db.none("DELETE FROM contacts WHERE tenant_id = $1 AND slack_user_id = $2 AND source = 'slack'", [tenantId, slackUserId]);
}
