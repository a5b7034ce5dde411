import type { ContactChannel, ContactSource } from '@klaxon/contracts';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { QuietHours } from '../time/quiet-hours';

/**
 * What contacts need to know about channels, and ask the registry (the set of channels is what it holds): which
 * a person may accept, the address each needs, which of a person's reach them, and how each reads.
 */
export type ChannelBook = Pick<ChannelRegistry, 'personChannels' | 'addressKindOf' | 'reaching' | 'labels'>;

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

/** The accepted channels that are registered and that Klaxon has an address for (each channel says which it needs). */
export function reachableChannels(contact: Pick<Contact, 'phone' | 'email' | 'channels'>, channels: Pick<ChannelBook, 'reaching'>): ContactChannel[] {
  return channels.reaching(contact.channels, contact);
}

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

// eslint-disable-next-line no-restricted-syntax -- the kind of address a channel needs, not a channel
const EMAIL_ADDRESS = 'email';

/** Why the contact after `changes` would not hold together, naming the field to fix; null when it does. */
export function inconsistency(stored: Contact | null, changes: ContactChanges, book: Pick<ChannelBook, 'addressKindOf'>): string | null {
  const email = changes.email !== undefined ? changes.email : (stored?.email ?? null);
  const channels = changes.channels ?? stored?.channels ?? [];
  const timeZone = changes.timeZone !== undefined ? changes.timeZone : (stored?.timeZone ?? null);
  const quietHours = changes.quietHours !== undefined ? changes.quietHours : (stored?.quietHours ?? null);

  // A phone channel may wait for a number from the Slack profile; an email channel has nowhere else to look.
  const needsEmail = channels.filter((channel) => book.addressKindOf(channel) === EMAIL_ADDRESS);
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
