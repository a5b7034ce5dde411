import { formatDuration } from '@klaxon/contracts';
import { sql, type Queryable } from '../db/database';
import { storedDuration } from '../oncall/oncall.repository';
import type { FiredStep, PolicyRun, StepReach } from '../oncall/policy-run';
import type { AlertEscalation } from './alert';

/** `reached` as stored: the wire's names. */
interface ReachJson {
  paged: Array<{ person: string; via: string }>;
  nobody_on_call: string[];
}

/** A row of alert_escalations as SELECT_ALERT aggregates it (row_to_json). */
export interface AlertEscalationRow {
  service: string;
  policy: string;
  steps: Array<{ targets: PolicyRun['steps'][number]['targets']; escalate_after: string }>;
  repeat: number;
  fired: number;
  step: number;
  pass: number;
  reached: ReachJson;
  ended: 'unacknowledged' | 'nobody_on_call' | null;
}

/** The alert's escalation, as a subquery of the alert's own SELECT (the alert is `a`). */
export const ESCALATION_OF_ALERT = '(SELECT row_to_json(e) FROM alert_escalations e WHERE e.alert_id = a.id) AS escalation';

const toReachJson = (reach: StepReach): ReachJson => ({ paged: reach.paged.map((p) => ({ ...p })), nobody_on_call: [...reach.nobodyOnCall] });

export function toAlertEscalation(row: AlertEscalationRow | null): AlertEscalation | null {
  if (row === null) return null;
  const run: PolicyRun = {
    service: row.service,
    policy: row.policy,
    steps: row.steps.map((step) => ({ targets: step.targets, escalateAfter: storedDuration(step.escalate_after) })),
    repeat: row.repeat,
  };
  const of = run.steps.length;
  const last: FiredStep = {
    round: row.fired - 1,
    step: row.step,
    of,
    pass: row.pass,
    passes: run.repeat + 1,
    reach: { paged: row.reached.paged, nobodyOnCall: row.reached.nobody_on_call },
  };
  return { run, fired: row.fired, last, ended: row.ended };
}

/** The escalations of alerts being raised, as one INSERT for the raise's single statement. */
export function insertAlertEscalationsQuery(rows: ReadonlyArray<{ alertId: string; tenantId: string; run: PolicyRun; last: FiredStep; ended: AlertEscalation['ended'] }>): string {
  return sql.format(
    `INSERT INTO alert_escalations (alert_id, tenant_id, service, policy, steps, repeat, fired, step, pass, reached, ended)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::smallint[], $7::int[], $8::int[], $9::int[], $10::jsonb[], $11::text[])`,
    [
      rows.map((r) => r.alertId),
      rows.map((r) => r.tenantId),
      rows.map((r) => r.run.service),
      rows.map((r) => r.run.policy),
      rows.map((r) => JSON.stringify(r.run.steps.map((step) => ({ targets: step.targets, escalate_after: formatDuration(step.escalateAfter) })))),
      rows.map((r) => r.run.repeat),
      rows.map((r) => r.last.round + 1),
      rows.map((r) => r.last.step),
      rows.map((r) => r.last.pass),
      rows.map((r) => JSON.stringify(toReachJson(r.last.reach))),
      rows.map((r) => r.ended),
    ],
  );
}

/**
 * Records that steps up to `last` fired, if no other caller got there first: the UPDATE moves `fired` only from
 * `from` (the round the caller set out to fire), so of two racing for one step, one fires it.
 */
export async function advanceAlertEscalation(t: Queryable, alertId: string, from: number, last: FiredStep): Promise<boolean> {
  const moved = await t.result(
    'UPDATE alert_escalations SET fired = $3, step = $4, pass = $5, reached = $6::jsonb WHERE alert_id = $1 AND fired = $2',
    [alertId, from, last.round + 1, last.step, last.pass, JSON.stringify(toReachJson(last.reach))],
  );
  return moved.rowCount === 1;
}

/** Marks the alert's run as over, once: false when another caller ended it first. */
export async function endAlertEscalation(t: Queryable, alertId: string, reason: 'unacknowledged' | 'nobody_on_call'): Promise<boolean> {
  const ended = await t.result('UPDATE alert_escalations SET ended = $2 WHERE alert_id = $1 AND ended IS NULL', [alertId, reason]);
  return ended.rowCount === 1;
}
