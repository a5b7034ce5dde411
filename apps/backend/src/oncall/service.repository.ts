import type { Queryable } from '../db/database';
import { deleteUnlessUsed } from './oncall.repository';

/** Something people page by name; Klaxon works out whom through its escalation policy. */
export interface Service {
  id: string;
  tenantId: string;
  name: string;
  /** The policy's name. */
  escalationPolicy: string;
  slackChannel: string | null;
  slackUsergroup: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface ServiceRow {
  id: string;
  tenant_id: string;
  name: string;
  escalation_policy: string;
  slack_channel: string | null;
  slack_usergroup: string | null;
  created_at: Date;
  updated_at: Date;
}

const toService = (row: ServiceRow): Service => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  escalationPolicy: row.escalation_policy,
  slackChannel: row.slack_channel,
  slackUsergroup: row.slack_usergroup,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

// Every read names the policy, never its id: the id stays in this module.
const SELECT_SERVICES = `SELECT s.id, s.tenant_id, s.name, p.name AS escalation_policy, s.slack_channel, s.slack_usergroup, s.created_at, s.updated_at
  FROM services s JOIN escalation_policies p ON p.id = s.escalation_policy_id`;

/**
 * Creates or replaces the service. `policyId` is the policy's id, locked by the caller in the same
 * transaction. When another of the tenant's services has the user group, writes nothing and names it.
 */
export async function saveService(
  tx: Queryable,
  write: { tenantId: string; name: string; policyId: string; slackChannel: string | null; slackUsergroup: string | null; now: Date },
): Promise<{ id: string; created: boolean } | { usergroupOf: string }> {
  try {
    // A savepoint of its own: the unique index refusing the group must not abort the caller's transaction.
    return await tx.tx((savepoint) =>
      savepoint.one<{ id: string; created: boolean }>(
        `INSERT INTO services (tenant_id, name, escalation_policy_id, slack_channel, slack_usergroup, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (tenant_id, name) DO UPDATE SET escalation_policy_id = excluded.escalation_policy_id, slack_channel = excluded.slack_channel,
           slack_usergroup = excluded.slack_usergroup, updated_at = excluded.updated_at
         RETURNING id, (xmax = 0) AS created`,
        [write.tenantId, write.name, write.policyId, write.slackChannel, write.slackUsergroup, write.now],
      ),
    );
  } catch (error) {
    const { code, constraint } = error as { code?: unknown; constraint?: unknown };
    if (code !== '23505' || constraint !== 'services_slack_usergroup') throw error;
    const holder = await tx.one<{ name: string }>('SELECT name FROM services WHERE tenant_id = $1 AND slack_usergroup = $2', [write.tenantId, write.slackUsergroup]);
    return { usergroupOf: holder.name };
  }
}

export async function findService(db: Queryable, tenantId: string, name: string): Promise<Service | null> {
  const row = await db.oneOrNone<ServiceRow>(`${SELECT_SERVICES} WHERE s.tenant_id = $1 AND s.name = $2`, [tenantId, name]);
  return row ? toService(row) : null;
}

/** The tenant's service that a mention of this Slack user group pages (one at most: a unique index). */
export async function findServiceByUsergroup(db: Queryable, tenantId: string, usergroup: string): Promise<Service | null> {
  const row = await db.oneOrNone<ServiceRow>(`${SELECT_SERVICES} WHERE s.tenant_id = $1 AND s.slack_usergroup = $2`, [tenantId, usergroup]);
  return row ? toService(row) : null;
}

/** The tenant's services by name. */
export async function listServices(db: Queryable, tenantId: string): Promise<Service[]> {
  const rows = await db.any<ServiceRow>(`${SELECT_SERVICES} WHERE s.tenant_id = $1 ORDER BY s.name`, [tenantId]);
  return rows.map(toService);
}

/** Refused while a heartbeat raises its alerts for the service (RESTRICT): `usedBy` names the heartbeats. */
export function deleteService(db: Queryable, tenantId: string, name: string): Promise<{ deleted: boolean; usedBy: string[] }> {
  return deleteUnlessUsed(
    db,
    'DELETE FROM services WHERE tenant_id = $1 AND name = $2',
    'SELECT h.name FROM heartbeats h JOIN services s ON s.id = h.service_id WHERE s.tenant_id = $1 AND s.name = $2 ORDER BY h.name',
    [tenantId, name],
  );
}
