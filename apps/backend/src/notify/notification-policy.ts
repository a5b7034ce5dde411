import type { Channel, ContactChannel, Severity } from '@klaxon/contracts';
import { quietUntil, type QuietHours } from '../time/quiet-hours';

/**
 * DESIGN.md "Notification policy", as data. The only place besides the channel modules that names channels.
 *
 * | severity | at once                    | each round while still triggered                         | quiet hours   |
 * |----------|----------------------------|----------------------------------------------------------|---------------|
 * | critical | WhatsApp + call + email    | call again, `rounds` times; then tell the Slack channel  | go at once    |
 * | high     | WhatsApp + email           | call, `rounds` times; then tell the Slack channel        | go at once    |
 * | medium   | WhatsApp + email           | one Slack channel reminder                               | held until end|
 * | low      | Slack only                 | —                                                        | (nothing held)|
 *
 * Every channel is used only if the contact accepts it; WhatsApp falls back to SMS (registry data) for
 * someone who does not take WhatsApp.
 */
interface SeverityPolicy {
  atOnce: readonly ContactChannel[];
  /** Channels each escalation round sends on (before the final channel notice). */
  rounds: readonly ContactChannel[];
  /** How many escalation rounds page people (0: none); `null` → the configured ESCALATION_ROUNDS. */
  pagingRounds: number | null;
  /** Whether the Slack channel is told once the paging rounds are over. */
  tellChannelAfter: boolean;
  /** Whether a page waits for the end of the contact's quiet hours. */
  respectsQuietHours: boolean;
}

const POLICY: Record<Severity, SeverityPolicy> = {
  critical: { atOnce: ['whatsapp', 'voice', 'email'], rounds: ['voice'], pagingRounds: null, tellChannelAfter: true, respectsQuietHours: false },
  high: { atOnce: ['whatsapp', 'email'], rounds: ['voice'], pagingRounds: null, tellChannelAfter: true, respectsQuietHours: false },
  medium: { atOnce: ['whatsapp', 'email'], rounds: [], pagingRounds: 0, tellChannelAfter: true, respectsQuietHours: true },
  low: { atOnce: [], rounds: [], pagingRounds: 0, tellChannelAfter: false, respectsQuietHours: true },
};

/** A contact as the policy needs it: what they accept and when they sleep. */
export interface ContactPreferences {
  accepts: readonly ContactChannel[];
  quietHours: QuietHours | null;
}

/** Pages for one person: the channels that go now, and those that wait (quiet hours) until `at`. */
export interface PagePlan {
  now: ContactChannel[];
  later: Array<{ channel: ContactChannel; at: Date; reason: 'quiet_hours' }>;
}

/** Up-front substitutes for a channel the person does not accept (the registry's fallbacks, as data). */
export type Fallbacks = Partial<Record<Channel, Channel>>;

/** The channels `wanted` becomes for someone who accepts `accepts`: each kept, substituted, or dropped. */
export function acceptedChannels(wanted: readonly ContactChannel[], accepts: readonly ContactChannel[], fallbacks: Fallbacks): ContactChannel[] {
  const chosen: ContactChannel[] = [];
  for (const channel of wanted) {
    const substitute = fallbacks[channel];
    const pick = accepts.includes(channel) ? channel : substitute && accepts.includes(substitute as ContactChannel) ? (substitute as ContactChannel) : null;
    if (pick && !chosen.includes(pick)) chosen.push(pick);
  }
  return chosen;
}

/** What the first page of an alert does for one person, at `now`. Pure. */
export function planPage(severity: Severity, contact: ContactPreferences, now: Date, fallbacks: Fallbacks): PagePlan {
  const policy = POLICY[severity];
  const channels = acceptedChannels(policy.atOnce, contact.accepts, fallbacks);
  const until = policy.respectsQuietHours ? quietUntil(contact.quietHours, now) : null;
  if (!until) return { now: channels, later: [] };
  return { now: [], later: channels.map((channel) => ({ channel, at: until, reason: 'quiet_hours' as const })) };
}

/** What one escalation round does: page people on `channels` (each only if they accept it), tell the channel. */
export interface EscalationStep {
  channels: ContactChannel[];
  tellChannel: boolean;
  /** Whether another round follows if the alert is still triggered. */
  more: boolean;
}

/** Round 1 is the first escalation, `ESCALATE_AFTER` after the alert; null when there is nothing to do. */
export function escalationStep(severity: Severity, round: number, configuredRounds: number): EscalationStep | null {
  if (round < 1) return null;
  const policy = POLICY[severity];
  const rounds = policy.pagingRounds ?? configuredRounds;
  if (round <= rounds && policy.rounds.length > 0) return { channels: [...policy.rounds], tellChannel: false, more: true };
  const noticeRound = (policy.rounds.length > 0 ? rounds : 0) + 1;
  return round === noticeRound && policy.tellChannelAfter ? { channels: [], tellChannel: true, more: false } : null;
}

/** Whether a severity escalates at all (so a job is scheduled). */
export function escalates(severity: Severity, rounds: number): boolean {
  return escalationStep(severity, 1, rounds) !== null;
}
