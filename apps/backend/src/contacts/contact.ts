import type { ContactChannel, ContactSource } from '@klaxon/contracts';
import type { QuietHours } from './quiet-hours';

/** How Klaxon reaches a person of a tenant, what they accept, and who wrote the number down. */
export interface Contact {
  tenantId: string;
  slackUserId: string;
  name: string | null;
  /** E.164; masked at the HTTP edge and in logs. Null when only an email (or only preferences) is set. */
  phone: string | null;
  /** Lower-cased; masked at the HTTP edge and in logs. */
  email: string | null;
  /** The channels the person accepts; never empty. */
  channels: ContactChannel[];
  /** IANA name; the zone quiet hours are read in. */
  timeZone: string | null;
  quietHours: QuietHours | null;
  /** Who wrote the phone number (email and preferences are always the person's own). */
  source: ContactSource;
  /** When the number was last written or confirmed; a `slack` copy older than the cache TTL is asked again. */
  refreshedAt: Date;
  updatedAt: Date;
}

/**
 * What `/alert phone|email|prefs`, an import or the Slack profile cache writes. Like a PATCH: a field left
 * unset keeps what is stored (a new contact starts without it, with the default channels); `null` clears it.
 */
export interface ContactWrite {
  tenantId: string;
  slackUserId: string;
  /** Who writes the phone; a `slack` copy never replaces a number set by the person or an import. */
  source: ContactSource;
  /** null or unset: keep the stored name (a profile without one does not erase it). */
  name?: string | null;
  phone?: string;
  email?: string | null;
  channels?: ContactChannel[];
  timeZone?: string | null;
  quietHours?: Pick<QuietHours, 'start' | 'end'> | null;
}

/** WhatsApp first (read on a lock screen), then a call that wakes people, then SMS as the fallback. */
export const DEFAULT_CONTACT_CHANNELS: readonly ContactChannel[] = ['whatsapp', 'voice', 'sms'];

const PHONE_CHANNELS: readonly ContactChannel[] = ['whatsapp', 'sms', 'voice'];

/** The accepted channels Klaxon has an address for: the phone ones with a number, email with an address. */
export function reachableChannels(contact: Pick<Contact, 'phone' | 'email' | 'channels'>): ContactChannel[] {
  return contact.channels.filter((channel) => (PHONE_CHANNELS.includes(channel) ? contact.phone !== null : contact.email !== null));
}
