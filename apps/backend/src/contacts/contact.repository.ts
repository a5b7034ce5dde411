import { DEFAULT_CONTACT_CHANNELS } from '@klaxon/contracts';
import { prepared, type Queryable } from '../db/database';
import type { Contact, ContactWrite } from './contact';

interface ContactRow {
  tenant_id: string;
  slack_user_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  channels: Contact['channels'];
  time_zone: string | null;
  /** `time` comes back as `HH:MM:SS`. */
  quiet_start: string | null;
  quiet_end: string | null;
  source: Contact['source'];
  refreshed_at: Date;
  updated_at: Date;
}

const hhmm = (time: string): string => time.slice(0, 5);

function toContact(row: ContactRow): Contact {
  return {
    tenantId: row.tenant_id,
    slackUserId: row.slack_user_id,
    name: row.name,
    phone: row.phone,
    email: row.email,
    channels: row.channels,
    timeZone: row.time_zone,
    // The schema holds quiet hours only together, and only with a time zone.
    quietHours: row.quiet_start && row.quiet_end && row.time_zone ? { start: hhmm(row.quiet_start), end: hhmm(row.quiet_end), timeZone: row.time_zone } : null,
    source: row.source,
    refreshedAt: row.refreshed_at,
    updatedAt: row.updated_at,
  };
}

// Every raise reads its targets' contacts: prepared (database.ts), so its columns are named (ContactRow's).
const FIND_CONTACT_SQL = `SELECT tenant_id, slack_user_id, name, phone, email, channels, time_zone, quiet_start, quiet_end, source, refreshed_at, updated_at
  FROM contacts WHERE tenant_id = $1::text AND slack_user_id = $2::text`;
const FIND_CONTACT = prepared('find-contact', FIND_CONTACT_SQL);
const FIND_CONTACT_FOR_UPDATE = prepared('find-contact-for-update', `${FIND_CONTACT_SQL} FOR UPDATE`);

/**
 * The stored contact, whatever it holds: a number, an email, or only preferences. Whether that is enough
 * to page someone is for target resolution to judge. `forUpdate` locks the row to the end of the transaction.
 */
export async function findContact(db: Queryable, tenantId: string, slackUserId: string, { forUpdate = false } = {}): Promise<Contact | null> {
  const row = await db.oneOrNone<ContactRow>((forUpdate ? FIND_CONTACT_FOR_UPDATE : FIND_CONTACT)(tenantId, slackUserId));
  return row ? toContact(row) : null;
}

/**
 * Writes the fields given (see ContactWrite) and returns what is stored afterwards. A copy of the Slack
 * profile never replaces a number the person set themselves or an import, only a missing one or an older
 * copy: the rule is in the SQL, so a cache refresh racing `/alert phone` cannot win. Email and
 * preferences are only ever written by the person, so they always win.
 */
export async function upsertContact(db: Queryable, write: ContactWrite): Promise<Contact> {
  const given = (field: keyof ContactWrite): boolean => write[field] !== undefined;
  const row = await db.oneOrNone<ContactRow>(
    // The row proposed for INSERT must pass the CHECKs (quiet hours need a zone, email among the channels
    // needs an address) before the conflict is seen, so fields not given are proposed as stored; the
    // UPDATE itself then keeps the current row's values for them.
    `WITH stored AS (SELECT * FROM contacts WHERE tenant_id = $(tenantId) AND slack_user_id = $(slackUserId))
     INSERT INTO contacts (tenant_id, slack_user_id, name, phone, email, channels, time_zone, quiet_start, quiet_end, source, refreshed_at, updated_at)
     VALUES ($(tenantId), $(slackUserId), $(name), $(phone),
             CASE WHEN $(setEmail) THEN $(email) ELSE (SELECT email FROM stored) END,
             COALESCE($(channels)::text[], (SELECT channels FROM stored), $(defaultChannels)::text[]),
             CASE WHEN $(setTimeZone) THEN $(timeZone) ELSE (SELECT time_zone FROM stored) END,
             CASE WHEN $(setQuietHours) THEN $(quietStart)::time ELSE (SELECT quiet_start FROM stored) END,
             CASE WHEN $(setQuietHours) THEN $(quietEnd)::time ELSE (SELECT quiet_end FROM stored) END,
             $(source), now(), now())
     ON CONFLICT (tenant_id, slack_user_id) DO UPDATE
        SET name = COALESCE(excluded.name, contacts.name),
            phone = CASE WHEN $(setPhone) THEN excluded.phone ELSE contacts.phone END,
            source = CASE WHEN $(setPhone) THEN excluded.source ELSE contacts.source END,
            refreshed_at = CASE WHEN $(setPhone) THEN now() ELSE contacts.refreshed_at END,
            email = CASE WHEN $(setEmail) THEN excluded.email ELSE contacts.email END,
            channels = COALESCE($(channels)::text[], contacts.channels),
            time_zone = CASE WHEN $(setTimeZone) THEN excluded.time_zone ELSE contacts.time_zone END,
            quiet_start = CASE WHEN $(setQuietHours) THEN excluded.quiet_start ELSE contacts.quiet_start END,
            quiet_end = CASE WHEN $(setQuietHours) THEN excluded.quiet_end ELSE contacts.quiet_end END,
            updated_at = now()
      WHERE excluded.source <> 'slack' OR contacts.source = 'slack' OR contacts.phone IS NULL
     RETURNING *`,
    {
      tenantId: write.tenantId,
      slackUserId: write.slackUserId,
      source: write.source,
      name: write.name ?? null,
      phone: write.phone ?? null,
      email: write.email ?? null,
      channels: write.channels ?? null,
      defaultChannels: DEFAULT_CONTACT_CHANNELS,
      timeZone: write.timeZone ?? null,
      quietStart: write.quietHours?.start ?? null,
      quietEnd: write.quietHours?.end ?? null,
      setPhone: given('phone'),
      // eslint-disable-next-line no-restricted-syntax -- the contact's email field, not the channel
      setEmail: given('email'),
      setTimeZone: given('timeZone'),
      setQuietHours: given('quietHours'),
    },
  );
  if (row) return toContact(row);
  const kept = await findContact(db, write.tenantId, write.slackUserId);
  if (!kept) throw new Error(`contact ${write.tenantId}/${write.slackUserId} was neither written nor found`);
  return kept;
}

/**
 * Forgets a Slack profile number that Slack no longer has; numbers people set stay. A row that holds
 * nothing else goes; one with the person's own email or preferences keeps them, without the number.
 */
export async function forgetSlackContact(db: Queryable, tenantId: string, slackUserId: string): Promise<void> {
  // Two statements: one statement may not both update and delete the same row.
  await db.none(
    `DELETE FROM contacts
      WHERE tenant_id = $1 AND slack_user_id = $2 AND source = 'slack'
        AND email IS NULL AND time_zone IS NULL AND quiet_start IS NULL AND channels = $3::text[]`,
    [tenantId, slackUserId, DEFAULT_CONTACT_CHANNELS],
  );
  await db.none(
    "UPDATE contacts SET phone = NULL, updated_at = now() WHERE tenant_id = $1 AND slack_user_id = $2 AND source = 'slack' AND phone IS NOT NULL",
    [tenantId, slackUserId],
  );
}

/** The tenant's stored contacts among `slackUserIds`, by id; `forUpdate` locks them to the end of the transaction. */
export async function findContacts(db: Queryable, tenantId: string, slackUserIds: readonly string[], { forUpdate = false } = {}): Promise<Map<string, Contact>> {
  const rows = await db.any<ContactRow>(
    `SELECT * FROM contacts WHERE tenant_id = $1 AND slack_user_id = ANY($2::text[])${forUpdate ? ' ORDER BY slack_user_id FOR UPDATE' : ''}`,
    [tenantId, slackUserIds],
  );
  return new Map(rows.map((row) => [row.slack_user_id, toContact(row)]));
}

/** Every contact of the tenant, by Slack user id (the export). */
export async function listContacts(db: Queryable, tenantId: string): Promise<Contact[]> {
  const rows = await db.any<ContactRow>('SELECT * FROM contacts WHERE tenant_id = $1 ORDER BY slack_user_id', [tenantId]);
  return rows.map(toContact);
}

/** A whole contact row as an import writes it: every field already merged with what was stored. */
export interface ImportedContactRow {
  slackUserId: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  channels: Contact['channels'];
  timeZone: string | null;
  source: Contact['source'];
}

/**
 * Writes imported contacts in one statement (callers batch a few thousand at a time): one round trip per
 * batch is what makes a 10,000-line file take seconds, not minutes. Quiet hours are not in the file and
 * stay as stored. A number the person set themselves is replaced only with `overwriteSelf`, also when
 * they set it after the import read the row.
 */
export async function writeImportedContacts(db: Queryable, tenantId: string, rows: readonly ImportedContactRow[], overwriteSelf: boolean): Promise<number> {
  if (rows.length === 0) return 0;
  const json = rows.map((row) => ({
    slack_user_id: row.slackUserId,
    name: row.name,
    phone: row.phone,
    email: row.email,
    channels: row.channels,
    time_zone: row.timeZone,
    source: row.source,
  }));
  const result = await db.result(
    `INSERT INTO contacts (tenant_id, slack_user_id, name, phone, email, channels, time_zone, source, refreshed_at, updated_at)
     SELECT $(tenantId), r.slack_user_id, r.name, r.phone, r.email, r.channels, r.time_zone, r.source, now(), now()
       FROM jsonb_to_recordset($(rows)::jsonb) AS r(slack_user_id text, name text, phone text, email text, channels text[], time_zone text, source text)
     ON CONFLICT (tenant_id, slack_user_id) DO UPDATE
        SET name = excluded.name,
            phone = excluded.phone,
            email = excluded.email,
            channels = excluded.channels,
            time_zone = excluded.time_zone,
            source = excluded.source,
            refreshed_at = CASE WHEN excluded.phone IS DISTINCT FROM contacts.phone OR excluded.source <> contacts.source THEN now() ELSE contacts.refreshed_at END,
            updated_at = now()
      WHERE contacts.source <> 'self' OR $(overwriteSelf)`,
    { tenantId, rows: JSON.stringify(json), overwriteSelf },
  );
  return result.rowCount;
}
