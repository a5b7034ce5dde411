import type { AlertDto } from '@klaxon/contracts';
import { maskPhone } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';

/** The wire shape of an alert: snake_case, ISO timestamps, no internal columns (request id, response_url). */
export function toAlertDto(alert: Alert): AlertDto {
  return {
    id: alert.id,
    tenant_id: alert.tenantId,
    number: alert.number,
    status: alert.status,
    severity: alert.severity,
    message: alert.message,
    rule_name: alert.ruleName,
    source: alert.source,
    dedup_key: alert.dedupKey,
    targets: alert.targets.map((t) => ({
      slack_user_id: t.slackUserId,
      name: t.name,
      phone: t.phone === null ? null : maskPhone(t.phone),
      status: t.status,
      channels: t.channels,
      reason: t.reason,
    })),
    slack: alert.slackChannelId || alert.slackUserId ? { channel_id: alert.slackChannelId, user_id: alert.slackUserId } : null,
    created_at: alert.createdAt.toISOString(),
    acknowledged_at: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: alert.resolvedAt?.toISOString() ?? null,
    resolved_by: alert.resolvedBy,
  };
}
