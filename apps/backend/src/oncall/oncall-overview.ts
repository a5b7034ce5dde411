import { MAX_ONCALL_WINDOW_DAYS } from '@klaxon/contracts';
import { NotFoundError } from '../common/errors';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { DAY_MS } from '../time/zone-rules';
import { listPolicies, scheduleNamesOf } from './escalation-policy.repository';
import { stretchOf, type OnCallStretch } from './oncall-stretch';
import type { CompiledSchedule } from './schedule';
import { findSchedule, listSchedules, type StoredSchedule } from './schedule.repository';
import type { ScheduleService } from './schedule.service';
import type { ServiceCatalog } from './service-catalog';
import type { Service } from './service.repository';

/** A stretch of one schedule, or a person a policy step names (`schedule` null), who is on call for it at all hours. */
export interface OnCallEntry extends OnCallStretch {
  schedule: string | null;
}

export interface ServiceOnCall {
  service: Service;
  /** 1-based: the first step whose targets find someone on call, the one a page reaches first (1 when none does). */
  step: number;
  onCall: OnCallEntry[];
}

export interface OnCallAnswer {
  tenantId: string;
  at: Date;
  services: ServiceOnCall[];
  schedules: OnCallEntry[];
}

export interface OnCallOverviewOptions {
  db: Database;
  clock: Clock;
  schedules: ScheduleService;
  services: ServiceCatalog;
}

// How far ahead "until when" and "who is next" look: as far as a window of shifts may reach.
const AHEAD_MS = MAX_ONCALL_WINDOW_DAYS * DAY_MS;

/** Who is on call now, per service (the question people ask in Slack), or per schedule while there are no services. */
export class OnCallOverview {
  constructor(private readonly options: OnCallOverviewOptions) {}

  /**
   * With a name: that service, or else that schedule (404 when the tenant has neither). Without: every
   * service, or every schedule when the tenant has no services yet.
   */
  async now(tenantId: string, name: string | null): Promise<OnCallAnswer> {
    const { db, clock, services: catalog } = this.options;
    const at = clock.now();
    const services = name === null ? await catalog.list(tenantId) : present(await catalog.find(tenantId, name));
    if (services.length > 0) return { tenantId, at, services: await this.servicesOnCall(tenantId, services, at), schedules: [] };

    const schedules = name === null ? await listSchedules(db, tenantId) : present(await findSchedule(db, tenantId, name));
    if (name !== null && schedules.length === 0) throw new NotFoundError(`tenant ${tenantId} has no service or schedule "${name}"`);
    const compiled = await this.compile(schedules, at);
    return { tenantId, at, services: [], schedules: schedules.map((schedule) => entryOf(schedule.name, compiled.get(schedule.name), at)) };
  }

  private async servicesOnCall(tenantId: string, services: readonly Service[], at: Date): Promise<ServiceOnCall[]> {
    const policies = new Map((await listPolicies(this.options.db, tenantId, [...new Set(services.map((s) => s.escalationPolicy))])).map((p) => [p.name, p]));
    const named = new Set([...policies.values()].flatMap((policy) => scheduleNamesOf(policy.steps)));
    const schedules = (await listSchedules(this.options.db, tenantId)).filter((schedule) => named.has(schedule.name));
    const compiled = await this.compile(schedules, at);
    return services.map((service) => {
      const steps = (policies.get(service.escalationPolicy)?.steps ?? []).map((step) =>
        step.targets.map((target): OnCallEntry => ('person' in target ? namedPerson(target.person) : entryOf(target.schedule, compiled.get(target.schedule), at))),
      );
      const reached = steps.findIndex((entries) => entries.some((entry) => entry.person !== null));
      const step = Math.max(reached, 0);
      return { service, step: step + 1, onCall: steps[step] ?? [] };
    });
  }

  /** Compiled for the window from `at` on, keyed by schedule name. */
  private async compile(schedules: readonly StoredSchedule[], at: Date): Promise<Map<string, CompiledSchedule>> {
    const byId = await this.options.schedules.compile(schedules, at, new Date(at.getTime() + AHEAD_MS));
    return new Map(schedules.map((schedule) => [schedule.name, byId.get(schedule.id)!]));
  }
}

function entryOf(schedule: string, compiled: CompiledSchedule | undefined, at: Date): OnCallEntry {
  // A schedule a policy names cannot be deleted; one missing here was deleted with the policy in between reads.
  if (compiled === undefined) return { schedule, person: null, source: null, until: null, next: null };
  return { schedule, ...stretchOf(compiled.shifts(at, new Date(at.getTime() + AHEAD_MS))) };
}

const namedPerson = (person: string): OnCallEntry => ({ schedule: null, person, source: null, until: null, next: null });

const present = <T>(value: T | null): T[] => (value === null ? [] : [value]);
