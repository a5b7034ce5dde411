import type { EscalationPolicyRequest } from '@klaxon/contracts';
import { InUseError, NotFoundError, ValidationError } from '../common/errors';
import type { NamedStore, NamedStoreOptions } from './named-store';
import { deletePolicy, findPolicy, listPolicies, savePolicy, scheduleNamesOf, type EscalationPolicy } from './escalation-policy.repository';
import { lockScheduleIds } from './schedule.repository';
import { quotedList } from './schedule.service';

/** Escalation policies: whom each step pages (schedules and people) and when the next one fires. */
export class EscalationPolicyService implements NamedStore<EscalationPolicyRequest, EscalationPolicy> {
  constructor(private readonly options: NamedStoreOptions) {}

  /**
   * Creates or replaces the policy. Every schedule a step names must be the tenant's: each one missing is
   * refused by its place (`steps[0].targets[1].schedule`), and those named are held against deletion until
   * the policy links them.
   */
  async save(tenantId: string, name: string, request: EscalationPolicyRequest): Promise<{ saved: EscalationPolicy; created: boolean }> {
    return this.options.db.tx(async (tx) => {
      const ids = await lockScheduleIds(tx, tenantId, scheduleNamesOf(request.steps));
      const missing = request.steps.flatMap((step, s) =>
        step.targets.flatMap((target, t) => ('schedule' in target && !ids.has(target.schedule) ? [`steps[${s}].targets[${t}].schedule: tenant ${tenantId} has no schedule "${target.schedule}"`] : [])),
      );
      if (missing.length > 0) throw new ValidationError(missing.slice(0, 5).join('; '));
      const { policy, created } = await savePolicy(tx, {
        tenantId,
        name,
        steps: request.steps.map((step) => ({ targets: step.targets, escalateAfter: step.escalate_after })),
        repeat: request.repeat,
        scheduleIds: [...ids.values()],
        now: this.options.clock.now(),
      });
      return { saved: policy, created };
    });
  }

  async get(tenantId: string, name: string): Promise<EscalationPolicy> {
    const policy = await findPolicy(this.options.db, tenantId, name);
    if (!policy) throw new NotFoundError(`tenant ${tenantId} has no escalation policy "${name}"`);
    return policy;
  }

  list(tenantId: string): Promise<EscalationPolicy[]> {
    return listPolicies(this.options.db, tenantId);
  }

  /** Refused while a service pages through it. */
  async delete(tenantId: string, name: string): Promise<void> {
    const { deleted, usedBy } = await deletePolicy(this.options.db, tenantId, name);
    if (usedBy.length > 0) {
      throw new InUseError(`escalation policy "${name}" is used by ${usedBy.length === 1 ? 'service' : 'services'} ${quotedList(usedBy)}: give them another policy first`, usedBy);
    }
    if (!deleted) throw new NotFoundError(`tenant ${tenantId} has no escalation policy "${name}"`);
  }
}
