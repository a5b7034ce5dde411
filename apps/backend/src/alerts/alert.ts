import type { AlertSource, AlertStatus, Severity } from '@klaxon/contracts';

export interface AlertTarget {
  slackUserId: string | null;
  phone: string | null;
}

export interface Alert {
  id: string;
  tenantId: string;
  number: number;
  status: AlertStatus;
  severity: Severity;
  message: string;
  ruleName: string | null;
  source: AlertSource;
  dedupKey: string | null;
  requestId: string | null;
  slackChannelId: string | null;
  slackUserId: string | null;
  slackResponseUrl: string | null;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  targets: AlertTarget[];
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
