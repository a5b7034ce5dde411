import type { PagerDutyAction, Severity } from '@klaxon/contracts';
import type { Alert } from '../../alerts/alert';
import type { FailureKind } from '../../channels/notify-error';

/** PagerDuty has four severities too, named differently. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, 'critical' | 'error' | 'warning' | 'info'>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

// PagerDuty refuses a summary over 1024 characters with a 400; a long message must not lose the page.
const MAX_SUMMARY = 1024;

/**
 * The Events API v2 body for one action on one alert. The dedup key is Klaxon's alert id, so PagerDuty's
 * incident follows the alert and a retried event is recognised as the same one. The routing key is added by
 * the caller, so this stays free of secrets and testable.
 */
export function pagerDutyEvent(alert: Alert, action: PagerDutyAction): Record<string, unknown> {
  if (action !== 'trigger') return { event_action: action, dedup_key: alert.id };
  const summary = `#${alert.number} ${alert.message}`;
  return {
    event_action: 'trigger',
    dedup_key: alert.id,
    payload: {
      summary: summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary,
      // PagerDuty requires a source; an alert whose caller named none says where Klaxon got it.
      source: alert.source ?? `klaxon:${alert.origin}`,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.createdAt.toISOString(),
      ...(alert.ruleName ? { class: alert.ruleName } : {}),
      custom_details: {
        klaxon_alert_id: alert.id,
        klaxon_alert_number: alert.number,
        tenant_id: alert.tenantId,
        severity: alert.severity,
        origin: alert.origin,
        api: `/alerts/${alert.id}`,
      },
    },
    client: 'Klaxon',
    // The way back to the people on it: the alert's Slack channel, when it has one.
    ...(alert.slackChannelId
      ? { links: [{ href: `https://slack.com/app_redirect?team=${encodeURIComponent(alert.tenantId)}&channel=${encodeURIComponent(alert.slackChannelId)}`, text: `Klaxon alert #${alert.number} in Slack` }] }
      : {}),
  };
}

/**
 * How an answer of PagerDuty is handled: 202 accepted; 429 and 5xx (or no answer) a transient failure, other
 * 4xx a permanent one, in the classification every page's failure has (retried alike: `nextRetryAt`).
 */
export type PagerDutyOutcome = 'sent' | FailureKind;

export function outcomeOf(status: number | null): PagerDutyOutcome {
  if (status === null || status === 429 || status >= 500) return 'transient';
  return status >= 200 && status < 300 ? 'sent' : 'permanent';
}
