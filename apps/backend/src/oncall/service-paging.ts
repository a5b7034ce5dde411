import type { EscalationTarget } from '@klaxon/contracts';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { ValidationError } from '../common/errors';
import { findServicePolicy } from './escalation-policy.repository';
import type { PagedPerson, PolicyRun, StepReach } from './policy-run';
import { compileSchedule } from './schedule';
import { schedulesAt } from './schedule.repository';
import { findService, findServiceByUsergroup, type Service } from './service.repository';

export interface ServicePagingOptions {
  db: Database;
  clock: Clock;
}

/**
 * What paging a service needs from the on-call room: the service with its policy as a run to copy onto the
 * alert, and whom a step reaches at the clock's now (a schedule: whoever is on call then; a person: that
 * person). Each person is paged once per step, for the first reason the step gives.
 */
export class ServicePaging {
  constructor(private readonly options: ServicePagingOptions) {}

  /** The service's channel and its policy as a run; a 422 naming `field` when the tenant has no such service. */
  async runOf(tenantId: string, name: string, field = 'service'): Promise<{ slackChannel: string | null; run: PolicyRun }> {
    const found = await findServicePolicy(this.options.db, tenantId, name);
    if (!found) throw new ValidationError(`${field}: tenant ${tenantId} has no service "${name}"`);
    const { policy } = found;
    return { slackChannel: found.slackChannel, run: { service: name, policy: policy.name, steps: policy.steps, repeat: policy.repeat } };
  }

  /** The tenant's service of this name, or null. */
  serviceNamed(tenantId: string, name: string): Promise<Service | null> {
    return findService(this.options.db, tenantId, name);
  }

  /** The tenant's service whose Slack user group this is, or null. */
  async serviceOfUsergroup(tenantId: string, usergroup: string): Promise<Service | null> {
    return findServiceByUsergroup(this.options.db, tenantId, usergroup);
  }

  /** Whom these targets reach now. */
  async reach(tenantId: string, targets: readonly EscalationTarget[]): Promise<StepReach> {
    const at = this.options.clock.now();
    const named = [...new Set(targets.flatMap((t) => ('schedule' in t ? [t.schedule] : [])))];
    const byName = new Map((await schedulesAt(this.options.db, tenantId, named, at)).map(({ stored, overrides }) => [stored.name, compileSchedule(stored.schedule, overrides)]));
    const paged: PagedPerson[] = [];
    const nobodyOnCall: string[] = [];
    for (const target of targets) {
      const found = 'person' in target ? { person: target.person, via: 'person' } : onCallFor(target.schedule, byName.get(target.schedule)?.whoIsOnCall(at)?.person ?? null);
      if (found === null) nobodyOnCall.push((target as { schedule: string }).schedule);
      else if (!paged.some((p) => p.person === found.person)) paged.push(found);
    }
    return { paged, nobodyOnCall };
  }
}

const onCallFor = (schedule: string, person: string | null): PagedPerson | null => (person === null ? null : { person, via: schedule });
