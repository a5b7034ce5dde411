import type { AlertSource, AlertStatus, Severity } from '@klaxon/contracts';

export interface AlertTarget {
  slackUserId: string | null;
  phone: string | null;
}

export interface NewAlert {
  tenantId: string;
  severity: Severity;
  message: string;
  ruleName: string | null;
  source: AlertSource;
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
}
