import { CHANNEL_ADDRESS, type ContactChannel, type ContactSource } from '@klaxon/contracts';
import type { QuietHours } from '../time/quiet-hours';

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



/** The accepted channels Klaxon has an address for (CHANNEL_ADDRESS says which address each needs). */
export function reachableChannels(contact: Pick<Contact, 'phone' | 'email' | 'channels'>): ContactChannel[] {
  return contact.channels.filter((channel) => contact[CHANNEL_ADDRESS[channel]] !== null);
}
