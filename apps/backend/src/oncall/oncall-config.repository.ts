import type { Queryable } from '../db/database';

// What applying a whole config needs besides the per-kind repositories: one apply at a time per tenant, deletes
// by the batch, and user groups let go before they move between services.

// The class id of the two-key advisory locks (a space apart from the single-key ones of migrations and codes).
const ONCALL_CONFIG_LOCK_CLASS = 72_026;

/**
 * Serialises the config applies of one tenant until the transaction ends, so each plans against what the one
 * before it left, and a dry run sees what an apply would.
 */
export async function lockTenantConfig(tx: Queryable, tenantId: string): Promise<void> {
  await tx.one('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ONCALL_CONFIG_LOCK_CLASS, tenantId]);
}

const TABLES = { schedules: 'schedules', escalation_policies: 'escalation_policies', services: 'services', heartbeats: 'heartbeats' } as const;

/**
 * Deletes these objects of the tenant. A schedule a policy still names, a policy a service still uses, or a
 * service a heartbeat still raises its alerts for, is
 * refused by the database (RESTRICT): the caller checked the links, so that happens only when someone else
 * changed them meanwhile, and the whole transaction fails.
 */
export async function deleteNamed(tx: Queryable, section: keyof typeof TABLES, tenantId: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await tx.none(`DELETE FROM ${TABLES[section]} WHERE tenant_id = $1 AND name = ANY($2::text[])`, [tenantId, names]);
}

/**
 * Takes the user group from these services, so another service may take it over in the same transaction (the
 * unique index checks each statement, and two services trading groups would otherwise refuse each other).
 */
export async function releaseUsergroups(tx: Queryable, tenantId: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await tx.none('UPDATE services SET slack_usergroup = NULL WHERE tenant_id = $1 AND name = ANY($2::text[])', [tenantId, names]);
}
