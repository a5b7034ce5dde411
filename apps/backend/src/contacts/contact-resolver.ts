import type { Logger } from '@klaxon/logger';
import { maskPhone } from '@klaxon/logger';
import type { AlertTarget, RequestedTarget, TargetResolver } from './target';
import type { Queryable } from '../db/database';
import { systemClock } from '../time/clock';
import { DEFAULT_CONTACT_CHANNELS } from '@klaxon/contracts';
import { type ChannelBook, type Contact, reachableChannels } from './contact';
import { findContact, forgetSlackContact, upsertContact } from './contact.repository';
import { normalizePhone } from './phone-number';
import { SlackDirectoryError, type SlackDirectory, type SlackLookupFailure, type SlackProfile } from './slack-directory';

export interface ContactResolverOptions {
  db: Queryable;
  directory: SlackDirectory;
  defaultRegion: string;
  /** The registered channels: a contact is reached only on those, where it has their address. */
  channels: Pick<ChannelBook, 'reaching'>;
  /** How long a number copied from a Slack profile is trusted before Slack is asked again. */
  cacheTtlMs?: number;
  logger: Logger;
  /** Injectable for tests of the cache TTL. */
  now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SET_PHONE_ADVICE = 'ask them to run `/alert phone <number>`';
// A throttled or slow Slack says nothing about the person's number: the reason must not read as "no number".
const LOOKUP_FAILED: Record<SlackLookupFailure, string> = {
  rate_limited: 'could not look up (Slack rate limit)',
  timeout: 'could not look up (Slack did not answer in time)',
  unavailable: 'Slack could not be reached to look up their phone number',
};

/** Resolves targets from the contacts table first, then the Slack profile (cached as source `slack`). */
export class ContactResolver implements TargetResolver {
  private readonly db: Queryable;
  private readonly directory: SlackDirectory;
  private readonly defaultRegion: string;
  private readonly channels: Pick<ChannelBook, 'reaching'>;
  private readonly cacheTtlMs: number;
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor({ db, directory, defaultRegion, channels, cacheTtlMs = DAY_MS, logger, now = () => systemClock.now() }: ContactResolverOptions) {
    this.db = db;
    this.directory = directory;
    this.defaultRegion = defaultRegion;
    this.channels = channels;
    this.cacheTtlMs = cacheTtlMs;
    this.logger = logger;
    this.now = now;
  }

  async resolve(tenantId: string, requested: readonly RequestedTarget[]): Promise<AlertTarget[]> {
    // Concurrently, and each on its own: one slow or broken lookup must not cost the others their page.
    return Promise.all(requested.map((target) => this.resolveOne(tenantId, target)));
  }

  private async resolveOne(tenantId: string, target: RequestedTarget): Promise<AlertTarget> {
    try {
      return 'slackUserId' in target ? await this.resolveSlackUser(tenantId, target.slackUserId) : this.resolvePhone(target.phone);
    } catch (error) {
      const slackUserId = 'slackUserId' in target ? target.slackUserId : null;
      this.logger.error('target resolution failed', { tenantId, slackUserId, error });
      return unreachable(slackUserId, null, 'Klaxon could not look this person up (an internal error, logged); page them another way');
    }
  }

  private resolvePhone(raw: string): AlertTarget {
    const normalized = normalizePhone(raw, this.defaultRegion);
    // The number as given stays on the target: the alert shows whom it could not page, and a target names someone.
    if (!normalized.ok) return { ...unreachable(null, null, `${normalized.reason}; give the number with its country code, e.g. +44 20 7946 0958`), phone: raw };
    return {
      slackUserId: null,
      name: null,
      phone: normalized.e164,
      email: null,
      status: 'paging',
      channels: [...DEFAULT_CONTACT_CHANNELS],
      accepts: [...DEFAULT_CONTACT_CHANNELS],
      quietHours: null,
      reason: null,
    };
  }

  private async resolveSlackUser(tenantId: string, slackUserId: string): Promise<AlertTarget> {
    const found = await findContact(this.db, tenantId, slackUserId);
    // A contact with nothing to page it on (only preferences, say) is as good as none: ask Slack.
    const contact = found && reachableChannels(found, this.channels).length > 0 ? found : null;
    if (contact && (contact.source !== 'slack' || this.isFresh(contact))) return paging(contact, null, this.channels);

    let profile: SlackProfile | null;
    try {
      profile = await this.directory.lookupUser(slackUserId);
    } catch (error) {
      // A stale number beats no page at all while Slack is down.
      if (contact) {
        this.logger.warn('slack unreachable, paging the cached profile number', { tenantId, slackUserId, phone: contact.phone && maskPhone(contact.phone), error });
        return paging(contact, null, this.channels);
      }
      const why = error instanceof SlackDirectoryError ? error.why : 'unavailable';
      return unreachable(slackUserId, null, `${LOOKUP_FAILED[why]}; try again, or ${SET_PHONE_ADVICE}`);
    }

    if (!profile) {
      await forgetSlackContact(this.db, tenantId, slackUserId);
      return unreachable(slackUserId, null, `${slackUserId} is not an active user of this Slack workspace`);
    }
    const withoutNumber = emailOnly(contact, this.channels);
    if (!profile.phone) {
      await forgetSlackContact(this.db, tenantId, slackUserId);
      if (withoutNumber) return paging(withoutNumber, profile.name, this.channels);
      return unreachable(slackUserId, profile.name, `no phone number in Klaxon or in their Slack profile — ${SET_PHONE_ADVICE}`);
    }
    const normalized = normalizePhone(profile.phone, this.defaultRegion);
    if (!normalized.ok) {
      await forgetSlackContact(this.db, tenantId, slackUserId);
      if (withoutNumber) return paging(withoutNumber, profile.name, this.channels);
      return unreachable(slackUserId, profile.name, `the phone number in their Slack profile is invalid (${normalized.reason}) — ${SET_PHONE_ADVICE}`);
    }
    const stored = await upsertContact(this.db, { tenantId, slackUserId, name: profile.name, phone: normalized.e164, source: 'slack' });
    return paging(stored, profile.name, this.channels);
  }

  private isFresh(contact: Contact): boolean {
    return this.now().getTime() - contact.refreshedAt.getTime() < this.cacheTtlMs;
  }
}

function paging(contact: Contact, profileName: string | null, channels: Pick<ChannelBook, 'reaching'>): AlertTarget {
  return {
    slackUserId: contact.slackUserId,
    name: contact.name ?? profileName,
    phone: contact.phone,
    email: contact.email,
    status: 'paging',
    channels: reachableChannels(contact, channels),
    accepts: contact.channels,
    quietHours: contact.quietHours,
    reason: null,
  };
}

/** The contact as it stands once Slack's number is forgotten, if the email they gave still reaches them. */
function emailOnly(contact: Contact | null, channels: Pick<ChannelBook, 'reaching'>): Contact | null {
  const rest = contact && { ...contact, phone: contact.source === 'slack' ? null : contact.phone };
  return rest && reachableChannels(rest, channels).length > 0 ? rest : null;
}

function unreachable(slackUserId: string | null, name: string | null, reason: string): AlertTarget {
  return { slackUserId, name, phone: null, email: null, status: 'unreachable', channels: [], accepts: [], quietHours: null, reason };
}
