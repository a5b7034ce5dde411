import type { ContactDto } from '@klaxon/contracts';
import { maskEmail, maskPhone } from '@klaxon/logger';
import type { Contact } from '../contacts/contact';

/** The wire shape of a contact: snake_case, number and address masked (the owner knows them; nobody else needs them). */
export function toContactDto(contact: Contact): ContactDto {
  return {
    tenant_id: contact.tenantId,
    slack_user_id: contact.slackUserId,
    name: contact.name,
    phone: contact.phone === null ? null : maskPhone(contact.phone),
    email: contact.email === null ? null : maskEmail(contact.email),
    channels: contact.channels,
    time_zone: contact.timeZone,
    quiet_hours: contact.quietHours ? { start: contact.quietHours.start, end: contact.quietHours.end } : null,
    source: contact.source,
    updated_at: contact.updatedAt.toISOString(),
  };
}
