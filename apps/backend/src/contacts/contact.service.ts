import { CHANNEL_ADDRESS, type ContactChannel } from '@klaxon/contracts';
import type { Queryable } from '../db/database';
import { ValidationError } from '../common/errors';
import type { Contact } from './contact';
import type { QuietHours } from '../time/quiet-hours';
import type { Readable } from 'node:stream';
import { contactsToCsv } from './contact-csv';
import { importContacts, type ImportOptions, type ImportResult } from './contact-import';
import { findContact, listContacts, upsertContact } from './contact.repository';
import { normalizePhone } from './phone-number';
import { deletePendingPhones } from './phone-verification.repository';

/** What a person changes about themselves; unset fields stay as stored, `null` clears one. */
export interface ContactChanges {
  name?: string | undefined;
  /** As typed; normalised to E.164 here. */
  phone?: string | undefined;
  email?: string | null | undefined;
  channels?: ContactChannel[] | undefined;
  /** A valid IANA name (the HTTP edge checked it). */
  timeZone?: string | null | undefined;
  quietHours?: Pick<QuietHours, 'start' | 'end'> | null | undefined;
}

/**
 * Contacts as `PUT /contacts` writes them (`/alert email`, `/alert prefs`, and operators, whose numbers are
 * trusted as given; a number a person gives in Slack goes through PhoneVerificationService) and reading them back.
 */
export class ContactService {
  private readonly db: Queryable;
  private readonly defaultRegion: string;

  constructor({ db, defaultRegion }: { db: Queryable; defaultRegion: string }) {
    this.db = db;
    this.defaultRegion = defaultRegion;
  }

  /** Applies the changes the person made; a 422 names the field when the result would not hold together. */
  async update(tenantId: string, slackUserId: string, changes: ContactChanges): Promise<Contact> {
    let phone: string | undefined;
    if (changes.phone !== undefined) {
      const normalized = normalizePhone(changes.phone, this.defaultRegion);
      if (!normalized.ok) throw new ValidationError(`phone: ${normalized.reason}`);
      phone = normalized.e164;
    }
    // Checked against the stored row under its lock, so two concurrent changes cannot together break the rules.
    return this.db.tx('contact-update', async (t) => {
      const stored = await findContact(t, tenantId, slackUserId, { forUpdate: true });
      const problem = inconsistency(stored, changes);
      if (problem) throw new ValidationError(problem);
      // A number set here (an operator, trusted as given) replaces any number still waiting for its code.
      if (phone !== undefined) await deletePendingPhones(t, tenantId, [slackUserId]);
      return upsertContact(t, {
        tenantId,
        slackUserId,
        source: 'self',
        name: changes.name,
        phone,
        email: changes.email,
        channels: changes.channels,
        timeZone: changes.timeZone,
        quietHours: changes.quietHours,
      });
    });
  }

  /** A directory CSV for the tenant: valid rows in one transaction (none on a dry run), the others by line. */
  async importCsv(tenantId: string, csv: Readable | string, options: ImportOptions): Promise<ImportResult> {
    return importContacts(this.db, this.defaultRegion, tenantId, csv, options);
  }

  /** The tenant's directory in the import's CSV format, numbers in full: the operator's own data. */
  async exportCsv(tenantId: string): Promise<Iterable<string>> {
    return contactsToCsv(await listContacts(this.db, tenantId));
  }

  /** The person's stored contact; null when nothing is stored for them (the Slack profile may still page them). */
  async find(tenantId: string, slackUserId: string): Promise<Contact | null> {
    return findContact(this.db, tenantId, slackUserId);
  }
}

const EMAIL_ADDRESS = CHANNEL_ADDRESS.email;

/** Why the contact after `changes` would not hold together, naming the field to fix; null when it does. */
export function inconsistency(stored: Contact | null, changes: ContactChanges): string | null {
  const email = changes.email !== undefined ? changes.email : (stored?.email ?? null);
  const channels = changes.channels ?? stored?.channels ?? [];
  const timeZone = changes.timeZone !== undefined ? changes.timeZone : (stored?.timeZone ?? null);
  const quietHours = changes.quietHours !== undefined ? changes.quietHours : (stored?.quietHours ?? null);

  // A phone channel may wait for a number from the Slack profile; an email channel has nowhere else to look.
  const needsEmail = channels.filter((channel) => CHANNEL_ADDRESS[channel] === EMAIL_ADDRESS);
  if (needsEmail.length > 0 && email === null) {
    const listed = needsEmail.join(', ');
    return changes.channels
      ? `channels: ${listed} is listed but no email address is set; give \`email\` too, or leave ${listed} out of channels`
      : `email: your channels include ${listed}, so the address cannot be removed; give \`channels\` without ${listed} in the same request`;
  }
  if (quietHours !== null && timeZone === null) {
    return changes.quietHours
      ? 'time_zone: quiet hours are read in your time zone and none is set; give `time_zone` too, e.g. "Europe/Berlin"'
      : 'time_zone: quiet hours are set, so the time zone cannot be removed; turn them off with `quiet_hours: null` in the same request';
  }
  return null;
}
