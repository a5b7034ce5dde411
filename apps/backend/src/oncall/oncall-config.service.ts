import { assertNever, type ConfigChangeDto, type ConfigProblemDto, type OnCallConfigDto, type OnCallConfigRequest, type OnCallConfigSection, type OnCallPlanDto, type ServiceConfig } from '@klaxon/contracts';
import { AppError, ValidationError } from '../common/errors';
import type { Queryable } from '../db/database';
import type { NamedStoreOptions } from './named-store';
import { listPolicies, lockPolicyId, savePolicy, scheduleNamesOf } from './escalation-policy.repository';
import { deleteNamed, lockTenantConfig, releaseUsergroups } from './oncall-config.repository';
import { desiredConfigOf, heartbeatConfigOf, heartbeatWriteOf, mapSorted, planConfig, policyConfigOf, scheduleConfigOf, serviceConfigOf, stepsOf } from './oncall-config';
import { listHeartbeats, saveHeartbeat } from './heartbeat.repository';
import { scheduleFromRequest } from './schedule';
import { listSchedules, lockScheduleIds, saveSchedule } from './schedule.repository';
import { newCalendarToken } from './schedule.service';
import { listServices, saveService } from './service.repository';

/** A 422 listing every problem of the file by its place in it; nothing was written. */
export class ConfigRefusedError extends AppError {
  constructor(readonly problems: readonly ConfigProblemDto[]) {
    const shown = problems.slice(0, MAX_PROBLEMS_IN_DETAIL).map((p) => `${p.path || 'body'}: ${p.message}`);
    const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
    super('invalid_field', 422, `${shown.join('; ')}${more}`, { extra: { problems } });
  }
}
const MAX_PROBLEMS_IN_DETAIL = 10;

// Thrown out of a dry run's transaction to roll it back, carrying the plan it made.
class DryRunDone {
  constructor(readonly plan: OnCallPlanDto) {}
}

/**
 * A tenant's schedules, escalation policies, services and heartbeats as one document: exported whole, and applied whole in
 * one transaction (all of it or nothing). Overrides are operational, not config, and are left as they are.
 */
export class OnCallConfigService {
  constructor(private readonly options: NamedStoreOptions) {}

  export(tenantId: string): Promise<OnCallConfigDto> {
    return readConfig(this.options.db, tenantId);
  }

  /**
   * Plans the file against what is stored and, unless `dryRun`, applies the plan. A dry run does every write
   * too and rolls them back, so it fails exactly where the apply would. The answer is the plan as carried out.
   */
  async apply(tenantId: string, request: OnCallConfigRequest, { dryRun, prune }: { dryRun: boolean; prune: boolean }): Promise<OnCallPlanDto> {
    const desired = desiredConfigOf(request);
    try {
      return await this.options.db.tx(async (tx) => {
        await lockTenantConfig(tx, tenantId);
        const plan = planConfig(await readConfig(tx, tenantId), desired, prune);
        if (plan.problems.length > 0) throw new ConfigRefusedError(plan.problems);
        await this.write(tx, tenantId, request, plan.changes);
        const answer: OnCallPlanDto = { tenant_id: tenantId, dry_run: dryRun, prune, applied: !dryRun && plan.changes.length > 0, changes: plan.changes, unchanged: plan.unchanged, kept: plan.kept };
        if (dryRun) throw new DryRunDone(answer);
        return answer;
      });
    } catch (error) {
      if (error instanceof DryRunDone) return error.plan;
      throw error;
    }
  }

  /** Carries out the changes in their order: the plan put them where every link holds at each step. */
  private async write(tx: Queryable, tenantId: string, request: OnCallConfigRequest, changes: readonly ConfigChangeDto[]): Promise<void> {
    const now = this.options.clock.now();
    // Groups moving between services are let go first: the unique index checks every statement.
    await releaseUsergroups(
      tx,
      tenantId,
      changes.filter((c) => c.section === 'services' && c.action === 'update' && (c.before as ServiceConfig).slack_usergroup !== (c.after as ServiceConfig).slack_usergroup).map((c) => c.name),
    );
    for (const [index, change] of changes.entries()) {
      const { section, name } = change;
      if (change.action === 'delete') {
        // Deletes of one section are next to each other in the plan: one statement for the run.
        if (changes[index - 1]?.action === 'delete' && changes[index - 1]?.section === section) continue;
        await deleteNamed(tx, section, tenantId, deletesFrom(changes, index, section));
        continue;
      }
      await saveOne(tx, { tenantId, name, section, request, now });
    }
  }
}

/** The names of the run of deletes of `section` starting at `index`. */
function deletesFrom(changes: readonly ConfigChangeDto[], index: number, section: OnCallConfigSection): string[] {
  const names: string[] = [];
  for (const change of changes.slice(index)) {
    if (change.action !== 'delete' || change.section !== section) break;
    names.push(change.name);
  }
  return names;
}

/** Creates or replaces one object of the file with the per-kind repositories, inside the apply's transaction. */
async function saveOne(tx: Queryable, write: { tenantId: string; name: string; section: OnCallConfigSection; request: OnCallConfigRequest; now: Date }): Promise<void> {
  const { tenantId, name, request, now } = write;
  switch (write.section) {
    case 'schedules': {
      // A replace keeps the calendar token (and the overrides): the new token is used only for a new schedule.
      await saveSchedule(tx, { tenantId, name, schedule: scheduleFromRequest(request.schedules![name]!), calendarToken: newCalendarToken(), now });
      return;
    }
    case 'escalation_policies': {
      const body = request.escalation_policies![name]!;
      const steps = stepsOf(body.steps);
      const scheduleIds = await lockScheduleIds(tx, tenantId, scheduleNamesOf(steps));
      await savePolicy(tx, { tenantId, name, steps, repeat: body.repeat, scheduleIds: [...scheduleIds.values()], now });
      return;
    }
    case 'services': {
      const body = request.services![name]!;
      const policyId = await lockPolicyId(tx, tenantId, body.escalation_policy);
      // Checked by the plan; missing only if someone deleted it meanwhile, and then nothing is applied.
      if (policyId === null) throw new ValidationError(`services.${name}.escalation_policy: tenant ${tenantId} has no escalation policy "${body.escalation_policy}"`);
      const saved = await saveService(tx, { tenantId, name, policyId, slackChannel: body.slack_channel ?? null, slackUsergroup: body.slack_usergroup ?? null, now });
      if ('usergroupOf' in saved) throw new ValidationError(`services.${name}.slack_usergroup: ${body.slack_usergroup} already belongs to service "${saved.usergroupOf}"`);
      return;
    }
    case 'heartbeats': {
      const saved = await saveHeartbeat(tx, { tenantId, name, ...heartbeatWriteOf(request.heartbeats![name]!), now });
      // Checked by the plan; missing only if someone deleted the service meanwhile, and then nothing is applied.
      if (saved === null) throw new ValidationError(`heartbeats.${name}.service: tenant ${tenantId} has no service "${request.heartbeats![name]!.service}"`);
      return;
    }
    default:
      assertNever(write.section);
  }
}

/** The tenant's whole setup in canonical form, names in code-point order. */
async function readConfig(db: Queryable, tenantId: string): Promise<OnCallConfigDto> {
  // One after the other: in a transaction they share one connection, which takes one query at a time.
  const schedules = await listSchedules(db, tenantId);
  const policies = await listPolicies(db, tenantId);
  const services = await listServices(db, tenantId);
  const heartbeats = await listHeartbeats(db, tenantId);
  const named = <T extends { name: string }, U>(items: readonly T[], toConfig: (item: T) => U) => mapSorted(Object.fromEntries(items.map((item) => [item.name, item])), toConfig);
  return {
    schedules: named(schedules, (s) => scheduleConfigOf(s.schedule)),
    escalation_policies: named(policies, policyConfigOf),
    services: named(services, serviceConfigOf),
    heartbeats: named(heartbeats, heartbeatConfigOf),
  };
}
