import type { EscalationTarget } from '@klaxon/contracts';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { NotFoundError, ValidationError } from '../common/errors';
import { findPolicy } from './escalation-policy.repository';
import type { PagedPerson, PolicyRun, StepReach } from './policy-run';
import { listSchedules } from './schedule.repository';
import type { ScheduleService } from './schedule.service';
import { findService, findServiceByUsergroup, type Service } from './service.repository';

export interface ServicePagingOptions {
  db: Database;
  clock: Clock;
  schedules: ScheduleService;
}

/**
 * What paging a service needs from the on-call room: the service with its policy as a run to copy onto the
 * alert, and whom a step reaches at the clock's now (a schedule: whoever is on call then; a person: that
 * person). Each person is paged once per step, for the first reason the step gives.
 */
export class ServicePaging {
  constructor(private readonly options: ServicePagingOptions) {}

  /** The service and its policy as a run; a 422 naming `field` when the tenant has no such service. */
  async runOf(tenantId: string, name: string, field = 'service'): Promise<{ service: Service; run: PolicyRun }> {
    const service = await findService(this.options.db, tenantId, name);
    if (!service) throw new ValidationError(`${field}: tenant ${tenantId} has no service "${name}"`);
    // The service names its policy by a key the schema guards: a service cannot outlive its policy.
    const policy = await findPolicy(this.options.db, tenantId, service.escalationPolicy);
    if (!policy) throw new NotFoundError(`tenant ${tenantId} has no escalation policy "${service.escalationPolicy}"`);
    return { service, run: { service: service.name, policy: policy.name, steps: policy.steps, repeat: policy.repeat } };
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
    const named = new Set(targets.flatMap((t) => ('schedule' in t ? [t.schedule] : [])));
    const stored = named.size === 0 ? [] : (await listSchedules(this.options.db, tenantId)).filter((s) => named.has(s.name));
    const compiled = await this.options.schedules.compile(stored, at, new Date(at.getTime() + 1));
    const byName = new Map(stored.map((s) => [s.name, compiled.get(s.id)!]));
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
