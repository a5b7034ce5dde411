import { formatDuration, type Duration, type EscalationTarget } from '@klaxon/contracts';
import { prepared, type Queryable } from '../db/database';
import { deleteUnlessUsed, storedDuration } from './oncall.repository';

/** One step: its targets are paged when it fires; the next step fires `escalateAfter` later if nobody acknowledged. */
export interface EscalationStep {
  readonly targets: readonly EscalationTarget[];
  readonly escalateAfter: Duration;
}

export interface EscalationPolicy {
  id: string;
  tenantId: string;
  name: string;
  steps: readonly EscalationStep[];
  /** How many times all the steps run again after the last one. */
  repeat: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The schedules the steps name, each once. */
export function scheduleNamesOf(steps: readonly { readonly targets: readonly EscalationTarget[] }[]): string[] {
  return [...new Set(steps.flatMap((step) => step.targets.flatMap((target) => ('schedule' in target ? [target.schedule] : []))))];
}

interface StepJson {
  targets: EscalationTarget[];
  escalate_after: string;
}

interface PolicyRow {
  id: string;
  tenant_id: string;
  name: string;
  steps: StepJson[];
  repeat: number;
  created_at: Date;
  updated_at: Date;
}

const toStepJson = (step: EscalationStep): StepJson => ({ targets: step.targets.map((t) => ({ ...t })), escalate_after: formatDuration(step.escalateAfter) });

const toPolicy = (row: PolicyRow): EscalationPolicy => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  steps: row.steps.map((step) => ({ targets: step.targets, escalateAfter: storedDuration(step.escalate_after) })),
  repeat: row.repeat,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Creates or replaces the policy and links it to the schedules its steps name (`scheduleIds`, locked by the
 * caller in the same transaction). Run it in a transaction: the policy and its links change together.
 */
export async function savePolicy(
  tx: Queryable,
  write: { tenantId: string; name: string; steps: readonly EscalationStep[]; repeat: number; scheduleIds: readonly string[]; now: Date },
): Promise<{ policy: EscalationPolicy; created: boolean }> {
  const row = await tx.one<PolicyRow & { created: boolean }>(
    `INSERT INTO escalation_policies (tenant_id, name, steps, repeat, created_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5, $5)
     ON CONFLICT (tenant_id, name) DO UPDATE SET steps = excluded.steps, repeat = excluded.repeat, updated_at = excluded.updated_at
     RETURNING *, (xmax = 0) AS created`,
    [write.tenantId, write.name, JSON.stringify(write.steps.map(toStepJson)), write.repeat, write.now],
  );
  await tx.none('DELETE FROM escalation_policy_schedules WHERE policy_id = $1', [row.id]);
  await tx.none('INSERT INTO escalation_policy_schedules (policy_id, schedule_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [row.id, write.scheduleIds]);
  return { policy: toPolicy(row), created: row.created };
}

export async function findPolicy(db: Queryable, tenantId: string, name: string): Promise<EscalationPolicy | null> {
  const row = await db.oneOrNone<PolicyRow>('SELECT * FROM escalation_policies WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
  return row ? toPolicy(row) : null;
}

/** The tenant's service of this name with its policy, in one query; null when it has no such service. */
// Every raise for a service reads it: prepared (db/database.ts), its columns named.
const FIND_SERVICE_POLICY = prepared(
  'find-service-policy',
  `SELECT p.id, p.tenant_id, p.name, p.steps, p.repeat, p.created_at, p.updated_at, s.slack_channel
     FROM services s JOIN escalation_policies p ON p.id = s.escalation_policy_id WHERE s.tenant_id = $1::text AND s.name = $2::text`,
);

export async function findServicePolicy(db: Queryable, tenantId: string, service: string): Promise<{ slackChannel: string | null; policy: EscalationPolicy } | null> {
  const row = await db.oneOrNone<PolicyRow & { slack_channel: string | null }>(FIND_SERVICE_POLICY(tenantId, service));
  return row ? { slackChannel: row.slack_channel, policy: toPolicy(row) } : null;
}

/** These policies of the tenant (all of them when `names` is undefined), by name. */
export async function listPolicies(db: Queryable, tenantId: string, names?: readonly string[]): Promise<EscalationPolicy[]> {
  const rows =
    names === undefined
      ? await db.any<PolicyRow>('SELECT * FROM escalation_policies WHERE tenant_id = $1 ORDER BY name', [tenantId])
      : await db.any<PolicyRow>('SELECT * FROM escalation_policies WHERE tenant_id = $1 AND name = ANY($2::text[]) ORDER BY name', [tenantId, names]);
  return rows.map(toPolicy);
}

/** The policy's id, locked against deletion (FOR KEY SHARE) until the transaction ends; null when there is none. */
export async function lockPolicyId(db: Queryable, tenantId: string, name: string): Promise<string | null> {
  const row = await db.oneOrNone<{ id: string }>('SELECT id FROM escalation_policies WHERE tenant_id = $1 AND name = $2 FOR KEY SHARE', [tenantId, name]);
  return row?.id ?? null;
}

/** Deletes the policy unless a service pages through it: then `usedBy` lists those services. */
export function deletePolicy(db: Queryable, tenantId: string, name: string): Promise<{ deleted: boolean; usedBy: string[] }> {
  return deleteUnlessUsed(
    db,
    'DELETE FROM escalation_policies WHERE tenant_id = $1 AND name = $2',
    'SELECT s.name FROM services s JOIN escalation_policies p ON p.id = s.escalation_policy_id WHERE p.tenant_id = $1 AND p.name = $2 ORDER BY s.name',
    [tenantId, name],
  );
}
