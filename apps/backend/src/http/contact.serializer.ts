import type { ContactDto } from '@klaxon/contracts';
import { maskPhone } from '@klaxon/logger';
import type { Contact } from '../contacts/contact';

/** The wire shape of a contact: snake_case, the number masked (the owner knows it; nobody else needs it). */
export function toContactDto(contact: Contact): ContactDto {
  return {
    tenant_id: contact.tenantId,
    slack_user_id: contact.slackUserId,
    name: contact.name,
    phone: maskPhone(contact.phone),
    channels: contact.channels,
    source: contact.source,
    updated_at: contact.updatedAt.toISOString(),
  };
}
