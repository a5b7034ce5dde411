import type { ContactChannel, ContactSource } from '@klaxon/contracts';
import type { QuietHours } from '../notify/quiet-hours';

/** How Klaxon reaches a person of a tenant, what they accept, and who wrote the number down. */
export interface Contact {
  tenantId: string;
  slackUserId: string;
  name: string | null;
  /** E.164; masked at the HTTP edge and in logs. Null: no number (e.g. an email-only contact). */
  phone: string | null;
  /** Validated address; masked at the HTTP edge. */
  email: string | null;
  /** The channels the person accepts, in their order of preference. */
  channels: ContactChannel[];
  /** Their IANA zone; needed for quiet hours. */
  timeZone: string | null;
  /** Null: no quiet hours. Carries the contact's time zone. */
  quietHours: QuietHours | null;
  /** Who wrote the phone number: the person, an import, or a copy of the Slack profile. */
  source: ContactSource;
  /** When the number was last written or confirmed; a `slack` copy older than the cache TTL is asked again. */
  refreshedAt: Date;
  updatedAt: Date;
}

/** WhatsApp first (read on a lock screen), then a call that wakes people, then SMS as the fallback. Email is opt-in. */
export const DEFAULT_CONTACT_CHANNELS: readonly ContactChannel[] = ['whatsapp', 'voice', 'sms'];
