import type { Channel, Severity } from '@klaxon/contracts';
import type { ChannelRole } from '../channels/channel';
import type { ChannelsByRole } from '../channels/channel-registry';
import { quietUntil, type QuietHours } from '../time/quiet-hours';

/** The roles that reach a person (the alert's `room` is told apart: `tellChannelAfter`, low pages). */
export type PersonRole = Exclude<ChannelRole, 'room'>;

/**
 * DESIGN.md "Notification policy", as data, written in roles: a `message` to the phone (WhatsApp, else SMS), a
 * `call`, `mail`. Each registered channel names its role; of a role's channels a person gets the first registered
 * one they accept (WhatsApp before SMS), and a failed one falls back as registered (WhatsApp → SMS).
 *
 * | severity | at once                    | each round while still triggered                         | quiet hours   |
 * |----------|----------------------------|----------------------------------------------------------|---------------|
 * | critical | message + call + mail      | call again, `rounds` times; then tell the Slack channel  | go at once    |
 * | high     | message + mail             | call, `rounds` times; then tell the Slack channel        | go at once    |
 * | medium   | message + mail             | one Slack channel reminder                               | held until end|
 * | low      | Slack only                 | —                                                        | (nothing held)|
 *
 * Every channel is used only if the contact accepts it.
 */
interface SeverityPolicy {
  atOnce: readonly PersonRole[];
  /** Roles each escalation round pages on (before the final channel notice). */
  rounds: readonly PersonRole[];
  /** How many escalation rounds page people (0: none); `null` → the configured ESCALATION_ROUNDS. */
  pagingRounds: number | null;
  /** Whether the Slack channel is told once the paging rounds are over. */
  tellChannelAfter: boolean;
  /** Whether a page waits for the end of the contact's quiet hours. */
  respectsQuietHours: boolean;
}

const POLICY: Record<Severity, SeverityPolicy> = {
  critical: { atOnce: ['message', 'call', 'mail'], rounds: ['call'], pagingRounds: null, tellChannelAfter: true, respectsQuietHours: false },
  high: { atOnce: ['message', 'mail'], rounds: ['call'], pagingRounds: null, tellChannelAfter: true, respectsQuietHours: false },
  medium: { atOnce: ['message', 'mail'], rounds: [], pagingRounds: 0, tellChannelAfter: true, respectsQuietHours: true },
  low: { atOnce: [], rounds: [], pagingRounds: 0, tellChannelAfter: false, respectsQuietHours: true },
};

/** A contact as the policy needs it: what they accept and when they sleep. */
export interface ContactPreferences {
  accepts: readonly Channel[];
  quietHours: QuietHours | null;
}

/** Pages for one person: the channels that go now, and those that wait (quiet hours) until `at`. */
export interface PagePlan {
  now: Channel[];
  later: Array<{ channel: Channel; at: Date; reason: 'quiet_hours' }>;
}

/**
 * The channels that play `roles` for someone who accepts `accepts`: per role the first of its registered
 * channels they accept, none when they accept none of them; a channel chosen for two roles counts once.
 */
export function acceptedChannels(roles: readonly ChannelRole[], accepts: readonly Channel[], byRole: ChannelsByRole): Channel[] {
  const chosen: Channel[] = [];
  for (const role of roles) {
    const pick = (byRole[role] ?? []).find((channel) => accepts.includes(channel));
    if (pick !== undefined && !chosen.includes(pick)) chosen.push(pick);
  }
  return chosen;
}

/** What the first page of an alert does for one person, at `now`. Pure. */
export function planPage(severity: Severity, contact: ContactPreferences, now: Date, byRole: ChannelsByRole): PagePlan {
  const policy = POLICY[severity];
  const channels = acceptedChannels(policy.atOnce, contact.accepts, byRole);
  const until = policy.respectsQuietHours ? quietUntil(contact.quietHours, now) : null;
  if (!until) return { now: channels, later: [] };
  return { now: [], later: channels.map((channel) => ({ channel, at: until, reason: 'quiet_hours' as const })) };
}

/** What one escalation round does: page people in `roles` (each on a channel they accept), tell the channel. */
export interface EscalationStep {
  roles: PersonRole[];
  tellChannel: boolean;
  /** Whether another round follows if the alert is still triggered. */
  more: boolean;
}

/** Round 1 is the first escalation, `ESCALATE_AFTER` after the alert; null when there is nothing to do. */
export function escalationStep(severity: Severity, round: number, configuredRounds: number): EscalationStep | null {
  if (round < 1) return null;
  const policy = POLICY[severity];
  const rounds = policy.pagingRounds ?? configuredRounds;
  if (round <= rounds && policy.rounds.length > 0) return { roles: [...policy.rounds], tellChannel: false, more: true };
  const noticeRound = (policy.rounds.length > 0 ? rounds : 0) + 1;
  return round === noticeRound && policy.tellChannelAfter ? { roles: [], tellChannel: true, more: false } : null;
}

/** Whether a severity escalates at all (so a job is scheduled). */
export function escalates(severity: Severity, rounds: number): boolean {
  return escalationStep(severity, 1, rounds) !== null;
}
