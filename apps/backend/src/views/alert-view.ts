import type { AlertDto, AlertEscalationDto, AlertEventDto, AlertEventKind, AlertEventsDto, AlertStatsDto } from '@klaxon/contracts';
import { maskEmail, maskPhone } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import type { AlertEvent } from '../alerts/alert-event.repository';
import type { AlertStats } from '../alerts/alert.repository';
import { stepSummary } from '../alerts/escalation-events';
import type { Delivery } from '../notify/delivery.repository';
import { receiptsByPerson } from '../twilio/twilio-status';

/**
 * The wire shape of an alert: snake_case, ISO timestamps, no internal columns (request id, response_url), and
 * the labels of the registered channels (`channelLabels`) so a reader shows each channel as it declares itself.
 */
export function toAlertDto(alert: Alert, channelLabels: Record<string, string>, reported: readonly Delivery[] = []): AlertDto {
  const receipts = receiptsByPerson(reported);
  return {
    id: alert.id,
    tenant_id: alert.tenantId,
    number: alert.number,
    status: alert.status,
    severity: alert.severity,
    message: alert.message,
    rule_name: alert.ruleName,
    source: alert.source,
    origin: alert.origin,
    dedup_key: alert.dedupKey,
    covered_by: alert.coveredBy ?? null,
    targets: alert.targets.map((t) => ({
      slack_user_id: t.slackUserId,
      name: t.name,
      phone: t.phone === null ? null : maskPhone(t.phone),
      email: t.email === null ? null : maskEmail(t.email),
      status: t.status,
      channels: t.channels,
      reason: t.reason,
      held: t.heldUntil && t.quietHours ? { until: t.heldUntil.toISOString(), time_zone: t.quietHours.timeZone } : null,
      receipts: receipts.get(t.slackUserId ?? t.phone ?? '') ?? [],
    })),
    channel_labels: channelLabels,
    slack: alert.slackChannelId || alert.slackUserId ? { channel_id: alert.slackChannelId, user_id: alert.slackUserId } : null,
    escalation: toEscalationDto(alert.escalation),
    created_at: alert.createdAt.toISOString(),
    acknowledged_at: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: alert.resolvedAt?.toISOString() ?? null,
    resolved_by: alert.resolvedBy,
  };
}

function toEscalationDto(escalation: Alert['escalation']): AlertEscalationDto | null {
  if (!escalation) return null;
  const { run, last, ended } = escalation;
  return { ...stepSummary(run, last), ended };
}

export function toAlertEventsDto(alert: Alert, events: AlertEvent[]): AlertEventsDto {
  return {
    alert_id: alert.id,
    events: events.map(toAlertEventDto),
  };
}

// Generic in the kind so the compiler sees each event's data stay with its kind.
function toAlertEventDto<K extends AlertEventKind>(e: AlertEvent<K>): AlertEventDto<K> {
  return { id: e.id, kind: e.kind, actor: e.actor, note: e.note, data: e.data, at: e.createdAt.toISOString() };
}

export function toAlertStatsDto(tenantId: string, stats: AlertStats): AlertStatsDto {
  return {
    tenant_id: tenantId,
    total: stats.total,
    triggered: stats.triggered,
    acknowledged: stats.acknowledged,
    resolved: stats.resolved,
    by_severity: stats.bySeverity,
    mean_time_to_acknowledge_seconds: stats.meanSecondsToAcknowledge,
    mean_time_to_resolve_seconds: stats.meanSecondsToResolve,
  };
}
