import type { AlertOrigin, AlertStatus, Severity } from '@klaxon/contracts';
import type { AlertTarget } from '../contacts/target';

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
