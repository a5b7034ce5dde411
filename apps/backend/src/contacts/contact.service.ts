import { upsertContactRequestSchemaFor, type UpsertContactRequestSchema } from '@klaxon/contracts';
import type { Queryable } from '../db/database';
import { ValidationError } from '../common/errors';
import { inconsistency, type ChannelBook, type Contact, type ContactChanges } from './contact';
import type { Readable } from 'node:stream';
import { contactsToCsv } from './contact-csv';
import { importContacts, type ImportOptions, type ImportResult } from './contact-import';
import { findContact, listContacts, upsertContact } from './contact.repository';
import { normalizePhone } from './phone-number';
import { deletePendingPhones } from './phone-verification.repository';

/**
 * Contacts as `PUT /contacts` writes them (`/alert email`, `/alert prefs`, and operators, whose numbers are
 * trusted as given; a number a person gives in Slack goes through PhoneVerificationService) and reading them back.
 */
export class ContactService {
  private readonly db: Queryable;
  private readonly defaultRegion: string;
  private readonly channels: ChannelBook;
  /**
   * What `PUT /contacts` and an import row may say: `channels` only among the channels this backend pages people
   * on (the registry's), so a 422 names `channels` and lists them.
   */
  readonly requestSchema: UpsertContactRequestSchema;

  constructor({ db, defaultRegion, channels }: { db: Queryable; defaultRegion: string; channels: ChannelBook }) {
    this.db = db;
    this.defaultRegion = defaultRegion;
    this.channels = channels;
    this.requestSchema = upsertContactRequestSchemaFor(channels.personChannels());
  }

  /** How people read each registered channel, for answers that show a contact's channels. */
  channelLabels(): Record<string, string> {
    return this.channels.labels();
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
      const problem = inconsistency(stored, changes, this.channels);
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
    return importContacts(this.db, { defaultRegion: this.defaultRegion, channels: this.channels, schema: this.requestSchema }, tenantId, csv, options);
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
