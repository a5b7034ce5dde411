import type { AlertStatus, Severity } from '@klaxon/contracts';
import { sql, type Queryable } from '../db/database';
import type { Alert, NewAlert } from './alert';
import type { AlertTarget } from '../contacts/target';
import { TRANSITIONS, type AlertAction } from './alert-state';
import { pagingChargeSteps, pagingRefusalOf } from './paging-limit.repository';
import type { PagingCharge } from './paging-limits';
import { ESCALATION_OF_ALERT, insertAlertEscalationsQuery, toAlertEscalation, type AlertEscalationRow } from './alert-escalation.repository';

/** An alert's row as a query selecting `WHOLE_ALERT` returns it. */
export interface AlertRow {
  id: string;
  tenant_id: string;
  number: number;
  reply_code: string;
  status: Alert['status'];
  severity: Alert['severity'];
  message: string;
  rule_name: string | null;
  source: string | null;
  origin: Alert['origin'];
  dedup_key: string | null;
  request_id: string | null;
  slack_channel_id: string | null;
  slack_user_id: string | null;
  slack_response_url: string | null;
  covered_by: string | null;
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
    email: string | null;
    status: AlertTarget['status'];
    channels: AlertTarget['channels'];
    accepts: AlertTarget['accepts'];
    /** `HH:MM`, or null. */
    quiet_start: string | null;
    quiet_end: string | null;
    time_zone: string | null;
    reason: string | null;
    /** ISO: json_build_object turns the timestamptz into text. */
    held_until: string | null;
  }> | null;
  escalation: AlertEscalationRow | null;
}

type AlertColumn = Exclude<keyof AlertRow, 'targets' | 'escalation'>;
const ALERT_COLUMNS: readonly AlertColumn[] = [
  'id', 'tenant_id', 'number', 'reply_code', 'status', 'severity', 'message', 'rule_name', 'source', 'origin', 'dedup_key', 'request_id',
  'slack_channel_id', 'slack_user_id', 'slack_response_url', 'covered_by', 'created_at', 'acknowledged_at', 'acknowledged_by',
  'resolved_at', 'resolved_by', 'slack_message_ts',
];

/**
 * The select list of a whole alert `a`: its columns (named, so a prepared statement reading it survives a
 * migration that adds one), and its targets (aggregated in order) and escalation beside them, so one query
 * returns a whole alert. Exported for a statement that reads the alert beside another row, in one round trip.
 */
export const WHOLE_ALERT = `${ALERT_COLUMNS.map((column) => `a.${column}`).join(', ')},
         (SELECT json_agg(json_build_object('slack_user_id', t.slack_user_id, 'name', t.name, 'phone', t.phone, 'email', t.email,
                                   'status', t.status, 'channels', t.channels, 'accepts', t.accepts,
                                   'quiet_start', to_char(t.quiet_start, 'HH24:MI'), 'quiet_end', to_char(t.quiet_end, 'HH24:MI'),
                                   'time_zone', t.time_zone, 'reason', t.reason, 'held_until', t.held_until) ORDER BY t.position)
            FROM alert_targets t WHERE t.alert_id = a.id) AS targets,
         ${ESCALATION_OF_ALERT}`;

const SELECT_ALERT = `SELECT ${WHOLE_ALERT} FROM alerts a`;

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    replyCode: row.reply_code,
    status: row.status,
    severity: row.severity,
    message: row.message,
    ruleName: row.rule_name,
    source: row.source,
    origin: row.origin,
    dedupKey: row.dedup_key,
    requestId: row.request_id,
    slackChannelId: row.slack_channel_id,
    slackUserId: row.slack_user_id,
    slackResponseUrl: row.slack_response_url,
    coveredBy: row.covered_by,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    slackMessageTs: row.slack_message_ts,
    escalation: toAlertEscalation(row.escalation ?? null),
    targets: (row.targets ?? []).map((t) => ({
      slackUserId: t.slack_user_id,
      name: t.name,
      phone: t.phone,
      email: t.email,
      status: t.status,
      channels: t.channels,
      accepts: t.accepts,
      quietHours: t.quiet_start && t.quiet_end && t.time_zone ? { start: t.quiet_start, end: t.quiet_end, timeZone: t.time_zone } : null,
      heldUntil: t.held_until === null ? null : new Date(t.held_until),
      reason: t.reason,
    })),
  };
}

/** The unique rules a raise can run into: a twin request (same request id) or an open alert with its dedup key. */
const RAISE_COLLISIONS = new Set(['alerts_request_id', 'alerts_open_dedup_key']);

/** A new alert with the id the application gave it (its deliveries and jobs name it before it is written). */
export type IdentifiedAlert = NewAlert & { id: string };

/**
 * Writes whole raises of one tenant in ONE statement, so in one implicit transaction and one round trip: the
 * tenant's next numbers (in the order given), the alerts, their targets, and `writes` (further
 * data-modifying statements as formatted SQL, each a step of the statement: audit events, deliveries, an
 * integration's rows) plus `extra` (a query run for its effect, such as adding the alerts' jobs). The
 * counter row is locked from the statement's first step to its commit, never across a round trip. Null
 * when a unique rule refused an alert (a twin request, or an open alert with the same dedup key): the
 * statement then failed as a whole, so no number was used and nothing else was written. The caller finds
 * out which twin by looking. The alerts come back in the order given. With `limits`, the statement also
 * counts them (after the numbering row, see `pagingChargeSteps`): over a limit it throws
 * PagingLimitRefusedError, and nothing was written or counted.
 */
export async function insertRaises(
  db: Queryable,
  alerts: readonly IdentifiedAlert[],
  writes: readonly string[],
  extra: string | null,
  limits: PagingCharge | null = null,
): Promise<Alert[] | null> {
  const tenantId = alerts[0]?.tenantId;
  if (tenantId === undefined || alerts.some((a) => a.tenantId !== tenantId)) throw new Error('insertRaises takes one or more alerts of one tenant');
  const escalations = alerts.flatMap((a) => {
    const escalation = raisedEscalation(a);
    return escalation ? [{ alertId: a.id, tenantId: a.tenantId, ...escalation }] : [];
  });
  const ownWrites = [insertTargetsQuery(alerts), ...(escalations.length > 0 ? [insertAlertEscalationsQuery(escalations)] : [])];
  const steps = [...ownWrites, ...writes].map((write, i) => `write_${i} AS (${write})`);
  const column = <T>(pick: (alert: IdentifiedAlert) => T) => alerts.map(pick);
  const query = sql.format(
    `WITH counter AS (
       INSERT INTO tenant_alert_counters (tenant_id, last_number) VALUES ($(tenantId), $(count))
       ON CONFLICT (tenant_id) DO UPDATE SET last_number = tenant_alert_counters.last_number + $(count)
       RETURNING last_number),
     $(limitSteps:raw)
     alert AS (
       INSERT INTO alerts (id, tenant_id, number, severity, message, rule_name, source, origin, dedup_key, request_id,
                           slack_channel_id, slack_user_id, slack_response_url, covered_by)
       SELECT r.id, $(tenantId), (counter.last_number - $(count) + r.ord)::int, r.severity, r.message, r.rule_name, r.source, r.origin,
              r.dedup_key, r.request_id, r.slack_channel_id, r.slack_user_id, r.slack_response_url, r.covered_by
         FROM counter$(limitsOk:raw),
              unnest($(ids)::uuid[], $(severities)::text[], $(messages)::text[], $(ruleNames)::text[], $(sources)::text[], $(origins)::text[],
                     $(dedupKeys)::text[], $(requestIds)::text[], $(channels)::text[], $(users)::text[], $(responseUrls)::text[], $(coveredBy)::uuid[])
              WITH ORDINALITY AS r(id, severity, message, rule_name, source, origin, dedup_key, request_id, slack_channel_id, slack_user_id,
                                   slack_response_url, covered_by, ord)
       RETURNING *),
     extra AS ($(extra:raw)),
     $(steps:raw)
     SELECT alert.*, NULL AS targets, NULL AS escalation, (SELECT count(*) FROM extra) AS extra FROM alert`,
    // Raw: the steps were formatted (values escaped) by their repositories, and must not be parsed again.
    {
      tenantId,
      count: alerts.length,
      ids: column((a) => a.id),
      severities: column((a) => a.severity),
      messages: column((a) => a.message),
      ruleNames: column((a) => a.ruleName),
      sources: column((a) => a.source),
      origins: column((a) => a.origin),
      dedupKeys: column((a) => a.dedupKey),
      requestIds: column((a) => a.requestId),
      channels: column((a) => a.slackChannelId),
      users: column((a) => a.slackUserId),
      responseUrls: column((a) => a.slackResponseUrl),
      coveredBy: column((a) => a.coveredBy ?? null),
      extra: extra ?? 'SELECT NULL',
      steps: steps.join(',\n'),
      // The alert's row needs limits_ok's: without that reference the check would not run.
      limitSteps: limits ? `${pagingChargeSteps(limits, 'counter')},` : '',
      limitsOk: limits ? ', limits_ok' : '',
    },
  );
  try {
    const rows = new Map((await db.many<AlertRow>(query)).map((row) => [row.id, row]));
    return alerts.map((alert) => ({ ...toAlert(rows.get(alert.id)!), targets: alert.targets, escalation: raisedEscalation(alert) }));
  } catch (error) {
    if (isRaiseCollision(error)) return null;
    throw (limits && pagingRefusalOf(error, limits)) ?? error;
  }
}

/** A raised alert's escalation as a stored one reads (the row the raise wrote). */
function raisedEscalation(alert: IdentifiedAlert): Alert['escalation'] {
  const last = alert.escalation?.fired.at(-1);
  if (!alert.escalation || !last) return null;
  const { end } = alert.escalation;
  return { run: alert.escalation.run, fired: last.round + 1, last, ended: 'exhausted' in end ? end.exhausted : null };
}

/** Adds targets after the alert's others (people a later escalation step reached), in the caller's transaction. */
export async function appendAlertTargets(t: Queryable, alertId: string, targets: readonly AlertTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const { next } = await t.one<{ next: number }>('SELECT COALESCE(max(position) + 1, 0)::int AS next FROM alert_targets WHERE alert_id = $1', [alertId]);
  await t.none(insertTargetsQuery([{ id: alertId, targets: [...targets] }], next));
}

function isRaiseCollision(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' && RAISE_COLLISIONS.has(constraint);
}

/** Every alert's targets, in one INSERT; `position` is a target's place in its own alert's list. */
function insertTargetsQuery(alerts: readonly Pick<IdentifiedAlert, 'id' | 'targets'>[], firstPosition = 0): string {
  const targets = alerts.flatMap((alert) => alert.targets.map((target, position) => ({ ...target, alertId: alert.id, position: firstPosition + position })));
  return sql.format(
    `INSERT INTO alert_targets (alert_id, position, slack_user_id, name, phone, email, status, channels, accepts,
                                quiet_start, quiet_end, time_zone, reason, held_until)
     SELECT t.alert_id, t.position, t.slack_user_id, t.name, t.phone, t.email, t.status,
            string_to_array(t.channels, ','), string_to_array(t.accepts, ','), t.quiet_start::time, t.quiet_end::time, t.time_zone, t.reason,
            t.held_until::timestamptz
       FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
            AS t(alert_id, position, slack_user_id, name, phone, email, status, channels, accepts, quiet_start, quiet_end, time_zone, reason, held_until)`,
    [
      targets.map((t) => t.alertId),
      targets.map((t) => t.position),
      targets.map((t) => t.slackUserId),
      targets.map((t) => t.name),
      targets.map((t) => t.phone),
      targets.map((t) => t.email),
      targets.map((t) => t.status),
      // unnest cannot take a ragged text[][]: channel lists travel comma-joined (channel names have no commas).
      targets.map((t) => t.channels.join(',')),
      targets.map((t) => t.accepts.join(',')),
      targets.map((t) => t.quietHours?.start ?? null),
      targets.map((t) => t.quietHours?.end ?? null),
      targets.map((t) => t.quietHours?.timeZone ?? null),
      targets.map((t) => t.reason),
      targets.map((t) => t.heldUntil?.toISOString() ?? null),
    ],
  );
}

/** The tenant's alert raised with this request id, or else its open alert with this dedup key. */
export async function findRaiseTwin(db: Queryable, tenantId: string, requestId: string | null, dedupKey: string | null): Promise<Alert | null> {
  if (requestId === null && dedupKey === null) return null;
  const row = await db.oneOrNone<AlertRow>(
    `${SELECT_ALERT}
      WHERE a.tenant_id = $(tenantId)
        AND (a.request_id = $(requestId) OR (a.dedup_key = $(dedupKey) AND a.status <> 'resolved'))
      ORDER BY a.request_id = $(requestId) DESC NULLS LAST
      LIMIT 1`,
    { tenantId, requestId, dedupKey },
  );
  return row ? toAlert(row) : null;
}

export async function findAlertById(db: Queryable, id: string): Promise<Alert | null> {
  const row = await db.oneOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.id = $1`, [id]);
  return row ? toAlert(row) : null;
}

export async function findAlertByNumber(db: Queryable, tenantId: string, number: number): Promise<Alert | null> {
  const row = await db.oneOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.tenant_id = $1 AND a.number = $2`, [tenantId, number]);
  return row ? toAlert(row) : null;
}

/** The tenant's open (triggered or acknowledged) alerts with any of these dedup keys: at most one per key. */
export async function findOpenAlertsByDedupKeys(db: Queryable, tenantId: string, dedupKeys: readonly string[]): Promise<Alert[]> {
  if (dedupKeys.length === 0) return [];
  const rows = await db.manyOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.tenant_id = $1 AND a.dedup_key = ANY($2::text[]) AND a.status <> 'resolved'`, [tenantId, dedupKeys]);
  return rows.map(toAlert);
}

/** Whether the tenant has raised an alert from Slack (through the gateway) in this channel. */
export async function tenantRaisedFromSlackIn(db: Queryable, tenantId: string, channelId: string): Promise<boolean> {
  const row = await db.one<{ used: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM alerts WHERE tenant_id = $1 AND slack_channel_id = $2 AND origin = 'slack') AS used`,
    [tenantId, channelId],
  );
  return row.used;
}

export interface AlertListFilter {
  tenantId: string;
  status?: AlertStatus | undefined;
  severity?: Severity | undefined;
  since?: Date | undefined;
  /** Keyset cursor: only alerts numbered below this one (older). */
  beforeNumber?: number | undefined;
  limit: number;
}

/**
 * Newest first by the per-tenant number. Numbers are allocated under the counter row's lock and in commit
 * order, so an alert raised while someone pages through can only appear before the first page, never
 * shift the pages already read.
 */
export async function listAlerts(db: Queryable, filter: AlertListFilter): Promise<Alert[]> {
  const rows = await db.manyOrNone<AlertRow>(
    `${SELECT_ALERT}
      WHERE a.tenant_id = $(tenantId)
        AND ($(status) IS NULL OR a.status = $(status))
        AND ($(severity) IS NULL OR a.severity = $(severity))
        AND ($(since) IS NULL OR a.created_at >= $(since))
        AND ($(beforeNumber) IS NULL OR a.number < $(beforeNumber))
      ORDER BY a.number DESC
      LIMIT $(limit)`,
    {
      tenantId: filter.tenantId,
      status: filter.status ?? null,
      severity: filter.severity ?? null,
      since: filter.since ?? null,
      beforeNumber: filter.beforeNumber ?? null,
      limit: filter.limit,
    },
  );
  return rows.map(toAlert);
}

/**
 * One conditional UPDATE: it changes a row only if the alert is still in a status the action may leave,
 * so of two concurrent moves exactly one matches. The ids of the alerts it moved; one refused (or gone) is
 * left out. The rows are locked in id order first: two moves of overlapping sets (a chunk of a storm's
 * resolution, a summary taking its recorded alerts) then wait for each other instead of deadlocking.
 */
export async function transitionAlerts(db: Queryable, ids: readonly string[], action: AlertAction, actor: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const { from, to } = TRANSITIONS[action];
  return db.map(
    `UPDATE alerts
        SET status = $(to),
            acknowledged_at = CASE WHEN $(to) = 'acknowledged' THEN now() ELSE acknowledged_at END,
            acknowledged_by = CASE WHEN $(to) = 'acknowledged' THEN $(actor) ELSE acknowledged_by END,
            resolved_at     = CASE WHEN $(to) = 'resolved' THEN now() ELSE resolved_at END,
            resolved_by     = CASE WHEN $(to) = 'resolved' THEN $(actor) ELSE resolved_by END
      WHERE id IN (SELECT id FROM alerts WHERE id = ANY($(ids)::uuid[]) AND status IN ($(from:csv)) ORDER BY id FOR UPDATE)
        AND status IN ($(from:csv))
      RETURNING id`,
    { ids, to, from, actor },
    (row: { id: string }) => row.id,
  );
}

/** These alerts, oldest first; an unknown id is left out. */
export async function findAlertsByIds(db: Queryable, ids: readonly string[]): Promise<Alert[]> {
  if (ids.length === 0) return [];
  const rows = await db.manyOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.id = ANY($1::uuid[]) ORDER BY a.number`, [ids]);
  return rows.map(toAlert);
}

/** The open alerts recorded under any of these summaries, oldest first. */
export async function findOpenCoveredAlertIds(db: Queryable, summaryIds: readonly string[]): Promise<string[]> {
  if (summaryIds.length === 0) return [];
  return db.map("SELECT id FROM alerts WHERE covered_by = ANY($1::uuid[]) AND status <> 'resolved' ORDER BY number", [summaryIds], (row: { id: string }) => row.id);
}

export interface AlertStats {
  total: number;
  triggered: number;
  acknowledged: number;
  resolved: number;
  bySeverity: Record<Severity, number>;
  meanSecondsToAcknowledge: number | null;
  meanSecondsToResolve: number | null;
}

export async function alertStats(db: Queryable, tenantId: string): Promise<AlertStats> {
  const row = await db.one<{
    total: number;
    triggered: number;
    acknowledged: number;
    resolved: number;
    low: number;
    medium: number;
    high: number;
    critical: number;
    mtta: number | null;
    mttr: number | null;
  }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE status = 'triggered')::int AS triggered,
            count(*) FILTER (WHERE status = 'acknowledged')::int AS acknowledged,
            count(*) FILTER (WHERE status = 'resolved')::int AS resolved,
            count(*) FILTER (WHERE severity = 'low')::int AS low,
            count(*) FILTER (WHERE severity = 'medium')::int AS medium,
            count(*) FILTER (WHERE severity = 'high')::int AS high,
            count(*) FILTER (WHERE severity = 'critical')::int AS critical,
            avg(extract(epoch FROM acknowledged_at - created_at))::float8 AS mtta,
            avg(extract(epoch FROM resolved_at - created_at))::float8 AS mttr
       FROM alerts WHERE tenant_id = $1`,
    [tenantId],
  );
  return {
    total: row.total,
    triggered: row.triggered,
    acknowledged: row.acknowledged,
    resolved: row.resolved,
    bySeverity: { low: row.low, medium: row.medium, high: row.high, critical: row.critical },
    meanSecondsToAcknowledge: row.mtta,
    meanSecondsToResolve: row.mttr,
  };
}

export async function setSlackMessageTs(db: Queryable, id: string, ts: string): Promise<void> {
  await db.none('UPDATE alerts SET slack_message_ts = $2 WHERE id = $1', [id, ts]);
}

/** Reads the alert and holds a share lock to the end of the transaction: a concurrent transition waits. */
export async function findAlertForShare(db: Queryable, id: string): Promise<Alert | null> {
  const row = await db.oneOrNone<AlertRow>(`${SELECT_ALERT} WHERE a.id = $1 FOR SHARE OF a`, [id]);
  return row ? toAlert(row) : null;
}
