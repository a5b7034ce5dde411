import type { ContactChannel, ContactSource } from '@klaxon/contracts';

/** How Klaxon reaches a person of a tenant, and who wrote the number down. */
export interface Contact {
  tenantId: string;
  slackUserId: string;
  name: string | null;
  /** E.164; masked at the HTTP edge and in logs. */
  phone: string;
  channels: ContactChannel[];
  source: ContactSource;
  /** When the number was last written or confirmed; a `slack` copy older than the cache TTL is asked again. */
  refreshedAt: Date;
  updatedAt: Date;
}

/** What `/alert phone`, an import or the Slack profile cache writes. */
export interface ContactWrite {
  tenantId: string;
  slackUserId: string;
  name: string | null;
  phone: string;
  /** Unset: a new contact gets the default channels, an existing one keeps its own. */
  channels?: ContactChannel[];
  source: ContactSource;
}

/** WhatsApp first (read on a lock screen), then a call that wakes people, then SMS as the fallback. */
export const DEFAULT_CONTACT_CHANNELS: readonly ContactChannel[] = ['whatsapp', 'voice', 'sms'];
