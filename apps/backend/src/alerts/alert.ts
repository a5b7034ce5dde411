import type { AlertOrigin, AlertStatus, Channel, ContactChannel, Severity, TargetStatus } from '@klaxon/contracts';
import type { QuietHours } from '../time/quiet-hours';

/** Who an alert pages, as resolved when it was raised (contacts, then the Slack profile). */
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

export interface NewAlert {
  tenantId: string;
  severity: Severity;
  message: string;
  ruleName: string | null;
  /** The caller's name for the system that raised it; free text, null when not named. */
  source: string | null;
  /** How Klaxon received it, decided by the route: only `slack` text is Slack markup. */
  origin: AlertOrigin;
  dedupKey: string | null;
  requestId: string | null;
  slackChannelId: string | null;
  slackUserId: string | null;
  slackResponseUrl: string | null;
  targets: AlertTarget[];
  /** The summary alert this one was recorded under (it pages nobody itself); its moves are this one's too. */
  coveredBy?: string | null;
  /** A note on the alert's `created` event: why it was raised as it was (an integration's misrouted alert). Not a column. */
  createdNote?: string | null;
}

/** A stored alert: what was raised, plus what the database assigned and the life cycle recorded. */
export interface Alert extends NewAlert {
  id: string;
  number: number;
  /** The code replies type after the number (`ack 42-K7`): tells apart alerts of one number from several tenants. */
  replyCode: string;
  status: AlertStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  slackMessageTs: string | null;
}
