import type { ContactDto, ContactImportDto, PendingPhoneDto, PhoneStatusDto } from '@klaxon/contracts';
import type { PendingStatus, PhoneStatus } from '../contacts/phone-verification.service';
import type { ImportResult } from '../contacts/contact-import';
import { maskEmail, maskPhone } from '@klaxon/logger';
import type { Contact } from '../contacts/contact';

/**
 * The wire shape of a contact: snake_case, number and address masked (the owner knows them; nobody else needs
 * them), with the number that waits for its code, if any.
 */
export function toContactDto(contact: Contact, pending: PendingStatus | null, channelLabels: Record<string, string>): ContactDto {
  return {
    tenant_id: contact.tenantId,
    slack_user_id: contact.slackUserId,
    name: contact.name,
    phone: contact.phone === null ? null : maskPhone(contact.phone),
    email: contact.email === null ? null : maskEmail(contact.email),
    channels: contact.channels,
    channel_labels: channelLabels,
    time_zone: contact.timeZone,
    quiet_hours: contact.quietHours ? { start: contact.quietHours.start, end: contact.quietHours.end } : null,
    source: contact.source,
    pending_phone: toPendingPhoneDto(pending),
    updated_at: contact.updatedAt.toISOString(),
  };
}

/** The wire shape of an import's outcome; line errors carry no cell values, so no number is echoed. */
export function toContactImportDto(tenantId: string, dryRun: boolean, result: ImportResult): ContactImportDto {
  return {
    tenant_id: tenantId,
    dry_run: dryRun,
    rows: result.rows,
    imported: result.imported,
    unchanged: result.unchanged,
    kept_self: result.keptSelf,
    skipped: result.skipped,
    errors: result.errors,
  };
}

/** A person's own number and the one waiting for its code, both masked. */
export function toPhoneStatusDto(status: PhoneStatus): PhoneStatusDto {
  return {
    tenant_id: status.tenantId,
    slack_user_id: status.slackUserId,
    phone: status.phone === null ? null : maskPhone(status.phone),
    pending: toPendingPhoneDto(status.pending),
  };
}

function toPendingPhoneDto(pending: PendingStatus | null): PendingPhoneDto | null {
  if (!pending) return null;
  return { phone: maskPhone(pending.phone), channel: pending.channel, expires_at: pending.expiresAt.toISOString(), attempts_left: pending.attemptsLeft, usable: pending.usable };
}
