import type { AlertOrigin, AlertStatus, Channel, ContactChannel, Severity, TargetStatus } from '@klaxon/contracts';
import type { QuietHours } from '../notify/quiet-hours';

/** Who an alert pages, as resolved when it was raised (contacts, then the Slack profile). */
export interface AlertTarget {
  slackUserId: string | null;
  name: string | null;
  /** Full E.164; masked at the HTTP edge and in logs. */
  phone: string | null;
  email: string | null;
  status: TargetStatus;
  /** What pages this target now (decided when the alert is raised). */
  channels: Channel[];
  /** The channels the person accepts: escalation pages only on these. */
  accepts: ContactChannel[];
  quietHours: QuietHours | null;
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
}

/** A stored alert: what was raised, plus what the database assigned and the life cycle recorded. */
export interface Alert extends NewAlert {
  id: string;
  number: number;
  status: AlertStatus;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  slackMessageTs: string | null;
}
