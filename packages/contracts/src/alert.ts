export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DEFAULT_SEVERITY: Severity = 'high';

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_SOURCES = ['slack', 'api', 'alertmanager'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export interface AlertTarget {
  slackUserId: string | null;
  phone: string | null;
}

/** An alert as the backend returns it over HTTP (JSON field names are snake_case on the wire). */
export interface AlertDto {
  id: string;
  tenant_id: string;
  number: number;
  status: AlertStatus;
  severity: Severity;
  message: string;
  rule_name: string | null;
  source: AlertSource;
  dedup_key: string | null;
  targets: Array<{ slack_user_id: string | null; phone: string | null }>;
  slack: { channel_id: string | null; user_id: string | null } | null;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}
