import type { Queryable } from '../db/database';
import type { Alert, AlertTarget, NewAlert } from './alert';

interface AlertRow {
  id: string;
  tenant_id: string;
  number: number;
  status: Alert['status'];
  severity: Alert['severity'];
  message: string;
  rule_name: string | null;
  source: Alert['source'];
  dedup_key: string | null;
  request_id: string | null;
  slack_channel_id: string | null;
  slack_user_id: string | null;
  slack_response_url: string | null;
  created_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  slack_message_ts: string | null;
  targets: Array<{
    slack_user_id: string | null;
    name: string | null;
    phone: string | null;
    status: AlertTarget['status'];
    channels: AlertTarget['channels'];
    reason: string | null;
  }> | null;
}

// Targets travel with the alert row, aggregated in order, so one query returns a whole alert.
const SELECT_ALERT = `
  SELECT a.*,
         (SELECT json_agg(json_build_object('slack_user_id', t.slack_user_id, 'name', t.name, 'phone', t.phone,
                                   'status', t.status, 'channels', t.channels, 'reason', t.reason) ORDER BY t.position)
            FROM alert_targets t WHERE t.alert_id = a.id) AS targets
    FROM alerts a`;

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    status: row.status,
    severity: row.severity,
    message: row.message,
    ruleName: row.rule_name,
    source: row.source,
    dedupKey: row.dedup_key,
    requestId: row.request_id,
    slackChannelId: row.slack_channel_id,
    slackUserId: row.slack_user_id,
    slackResponseUrl: row.slack_response_url,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    slackMessageTs: row.slack_message_ts,
    targets: (row.targets ?? []).map((t) => ({
      slackUserId: t.slack_user_id,
      name: t.name,
      phone: t.phone,
      status: t.status,
      channels: t.channels,
      reason: t.reason,
    })),
  };
}

/** Takes the next short number of the tenant; holds the counter row until the transaction ends. */
export async function allocateAlertNumber(db: Queryable, tenantId: string): Promise<number> {
  const row = await db.one<{ last_number: number }>(
    `INSERT INTO tenant_alert_counters (tenant_id, last_number) VALUES ($1, 1)
     ON CONFLICT (tenant_id) DO UPDATE SET last_number = tenant_alert_counters.last_number + 1
     RETURNING last_number`,
    [tenantId],
  );
  return row.last_number;
}

/** Inserts the alert and its targets; null when the tenant already has an alert with this request id. */
export async function insertAlert(db: Queryable, alert: NewAlert, number: number): Promise<Alert | null> {
  const row = await db.oneOrNone<{ id: string }>(
    `INSERT INTO alerts (tenant_id, number, severity, message, rule_name, source, dedup_key, request_id,
                         slack_channel_id, slack_user_id, slack_response_url)
     VALUES ($(tenantId), $(number), $(severity), $(message), $(ruleName), $(source), $(dedupKey), $(requestId),
             $(slackChannelId), $(slackUserId), $(slackResponseUrl))
     ON CONFLICT (tenant_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
     RETURNING id`,
    { ...alert, number },
  );
  if (!row) return null;
  await insertTargets(db, row.id, alert.targets);
  return findAlertById(db, row.id) as Promise<Alert>;
}

async function insertTargets(db: Queryable, alertId: string, targets: AlertTarget[]): Promise<void> {
  await db.none(
    `INSERT INTO alert_targets (alert_id, position, slack_user_id, name, phone, status, channels, reason)
     SELECT $1, t.ord - 1, t.slack_user_id, t.name, t.phone, t.status, string_to_array(t.channels, ','), t.reason
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            WITH ORDINALITY AS t(slack_user_id, name, phone, status, channels, reason, ord)`,
    [
      alertId,
      targets.map((t) => t.slackUserId),
      targets.map((t) => t.name),
      targets.map((t) => t.phone),
      targets.map((t) => t.status),
      // unnest cannot take a ragged text[][]: channels travel comma-joined (channel names have no commas).
      targets.map((t) => t.channels.join(',')),
      targets.map((t) => t.reason),
    ],
  );
}

export async function findAlertById(db: Queryable, id: string): Promise<Alert | null> {
  const row = await db.oneOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.id = $1`, [id]);
  return row ? toAlert(row) : null;
}

export async function findAlertByRequestId(db: Queryable, tenantId: string, requestId: string): Promise<Alert | null> {
  const row = await db.oneOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.tenant_id = $1 AND a.request_id = $2`, [tenantId, requestId]);
  return row ? toAlert(row) : null;
}

export async function listAlerts(db: Queryable, filter: { tenantId: string; limit: number }): Promise<Alert[]> {
  const rows = await db.manyOrNone<AlertRow>(
    `${SELECT_ALERT} WHERE a.tenant_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2`,
    [filter.tenantId, filter.limit],
  );
  return rows.map(toAlert);
}
