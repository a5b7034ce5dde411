import type { Queryable } from '../db/database';
import { NotFoundError, ValidationError } from '../errors';
import type { Contact } from './contact';
import { findContact, upsertContact } from './contact.repository';
import { normalizePhone } from './phone-number';

/** The numbers people set for themselves (`/alert phone`) and reading them back. */
export class ContactService {
  private readonly db: Queryable;
  private readonly defaultRegion: string;

  constructor({ db, defaultRegion }: { db: Queryable; defaultRegion: string }) {
    this.db = db;
    this.defaultRegion = defaultRegion;
  }

  async setOwnPhone(tenantId: string, slackUserId: string, rawPhone: string, name?: string): Promise<Contact> {
    const normalized = normalizePhone(rawPhone, this.defaultRegion);
    if (!normalized.ok) throw new ValidationError(`phone: ${normalized.reason}`);
    return upsertContact(this.db, { tenantId, slackUserId, name: name ?? null, phone: normalized.e164, source: 'self' });
  }

  async get(tenantId: string, slackUserId: string): Promise<Contact> {
    const contact = await findContact(this.db, tenantId, slackUserId);
    if (!contact) throw new NotFoundError(`no phone number is stored for ${slackUserId} in tenant ${tenantId}`);
    return contact;
  }
}
