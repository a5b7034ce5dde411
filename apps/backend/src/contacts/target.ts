import type { Channel, ContactChannel, TargetStatus } from '@klaxon/contracts';
import type { QuietHours } from '../time/quiet-hours';

/** Whom an alert pages, as resolved when it was raised (contacts, then the Slack profile). */
export interface AlertTarget {
  slackUserId: string | null;
  name: string | null;
  /** Full E.164; masked at the HTTP edge and in logs. */
  phone: string | null;
  /** Lower-cased; masked at the HTTP edge and in logs. */
  email: string | null;
  status: TargetStatus;
  /** What pages this target now: resolution gives the accepted channels it has an address for, the policy narrows them. */
  channels: Channel[];
  /** Every channel the person accepts (the defaults for a Slack-profile or bare phone target), for escalation later. */
  accepts: ContactChannel[];
  /** The person's quiet hours when the alert was raised; null when they have none. */
  quietHours: QuietHours | null;
  /**
   * When the first page's channels go out, if they wait (quiet hours: the policy holds a low or medium page
   * until they end); null or absent when they went at once. Decided by the planner with the channels (target
   * resolution leaves it out), so the person who paged hears it.
   */
  heldUntil?: Date | null;
  /** Why the target is unreachable; null when paging. */
  reason: string | null;
}

/** A target as the caller named it: a Slack user to look up, or a phone number to normalise. */
export type RequestedTarget = { slackUserId: string } | { phone: string };

/** Turns requested targets into resolved ones (contacts, then Slack profiles); never throws for one bad target. */
export interface TargetResolver {
  resolve(tenantId: string, requested: readonly RequestedTarget[]): Promise<AlertTarget[]>;
}
