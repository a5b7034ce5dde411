import { randomBytes } from 'node:crypto';
import { MAX_ONCALL_WINDOW_DAYS, type OverrideRequest, type ScheduleRequest } from '@klaxon/contracts';
import { InUseError, NotFoundError, ValidationError } from '../common/errors';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import type { NamedStore } from './named-store';
import { DAY_MS } from '../time/zone-rules';
import { compileSchedule, scheduleFromRequest, type CompiledSchedule, type OnCallSegment } from './schedule';
import {
  deleteOverride,
  deleteSchedule,
  findSchedule,
  insertOverride,
  listOverrides,
  listSchedules,
  replaceCalendarToken,
  saveSchedule,
  type StoredOverride,
  type StoredSchedule,
} from './schedule.repository';

export interface ScheduleServiceOptions {
  db: Database;
  clock: Clock;
  /** `PUBLIC_BASE_URL`: calendar URLs are on the public host. */
  publicBaseUrl: string;
}

/** A schedule as the API shows it: who is on call at the moment of asking, and its calendar URL. */
export interface ScheduleView {
  stored: StoredSchedule;
  onCallNow: OnCallSegment;
  icalUrl: string;
}

const WINDOW_MS = MAX_ONCALL_WINDOW_DAYS * DAY_MS;

/** 24 random bytes: 192 bits, written in 32 URL-safe characters. */
export const newCalendarToken = (): string => randomBytes(24).toString('base64url');

/**
 * Schedules and their overrides: stored, and asked who is on call. The pure core (schedule.ts) does the
 * working out; this loads what it needs for the window asked about, and reads "now" from the injected clock.
 */
export class ScheduleService implements NamedStore<ScheduleRequest, ScheduleView> {
  constructor(private readonly options: ScheduleServiceOptions) {}

  async save(tenantId: string, name: string, request: ScheduleRequest): Promise<{ saved: ScheduleView; created: boolean }> {
    const { schedule, created } = await saveSchedule(this.options.db, {
      tenantId,
      name,
      schedule: scheduleFromRequest(request),
      calendarToken: newCalendarToken(),
      now: this.options.clock.now(),
    });
    return { saved: await this.view(schedule), created };
  }

  async get(tenantId: string, name: string): Promise<ScheduleView> {
    return this.view(await this.find(tenantId, name));
  }

  async list(tenantId: string): Promise<ScheduleView[]> {
    const stored = await listSchedules(this.options.db, tenantId);
    const now = this.options.clock.now();
    const compiled = await this.compileAround(stored, now);
    return stored.map((schedule) => this.viewOf(schedule, compiled.get(schedule.id)!, now));
  }

  /** Deletes the schedule and its overrides; refused while an escalation policy names it. */
  async delete(tenantId: string, name: string): Promise<void> {
    const { deleted, usedBy } = await deleteSchedule(this.options.db, tenantId, name);
    if (usedBy.length > 0) {
      throw new InUseError(`schedule "${name}" is used by escalation ${usedBy.length === 1 ? 'policy' : 'policies'} ${quotedList(usedBy)}: take it out of their steps first`, usedBy);
    }
    if (!deleted) throw scheduleNotFound(tenantId, name);
  }

  /** A new calendar token: the old URL stops working at once. */
  async replaceCalendarToken(tenantId: string, name: string): Promise<ScheduleView> {
    const stored = await replaceCalendarToken(this.options.db, tenantId, name, newCalendarToken(), this.options.clock.now());
    if (!stored) throw scheduleNotFound(tenantId, name);
    return this.view(stored);
  }

  /** The segment holding `at` (now when not given): the longest interval around it with the same answer. */
  async segmentAt(tenantId: string, name: string, at = this.options.clock.now()): Promise<OnCallSegment> {
    const stored = await this.find(tenantId, name);
    return (await this.compileAround([stored], at)).get(stored.id)!.segmentAt(at);
  }

  /** The segments tiling `[from, until)` (`from` now when not given), at most MAX_ONCALL_WINDOW_DAYS long. */
  async shifts(tenantId: string, name: string, window: { from?: Date; until: Date }): Promise<OnCallSegment[]> {
    const from = window.from ?? this.options.clock.now();
    const { until } = window;
    if (until <= from) throw new ValidationError(`until: must be after at (${from.toISOString()})`);
    if (until.getTime() - from.getTime() > WINDOW_MS) throw new ValidationError(`until: at most ${MAX_ONCALL_WINDOW_DAYS} days after at (${from.toISOString()}); ask for the next window from its end`);
    const stored = await this.find(tenantId, name);
    return (await this.compile([stored], from, until)).get(stored.id)!.shifts(from, until);
  }

  async addOverride(tenantId: string, name: string, request: OverrideRequest): Promise<StoredOverride> {
    const stored = await this.find(tenantId, name);
    return insertOverride(this.options.db, stored.id, { ...request, now: this.options.clock.now() });
  }

  /**
   * The overrides overlapping `[from, to)`, in the order they were created: by default those not yet over
   * (`from` now) within MAX_ONCALL_WINDOW_DAYS of `from`.
   */
  async overrides(tenantId: string, name: string, window: { from?: Date; to?: Date } = {}): Promise<StoredOverride[]> {
    const from = window.from ?? this.options.clock.now();
    const to = window.to ?? new Date(from.getTime() + WINDOW_MS);
    if (to <= from) throw new ValidationError(`to: must be after from (${from.toISOString()})`);
    const stored = await this.find(tenantId, name);
    return listOverrides(this.options.db, [stored.id], from, to);
  }

  async removeOverride(tenantId: string, name: string, overrideId: string): Promise<void> {
    const stored = await this.find(tenantId, name);
    if (!(await deleteOverride(this.options.db, stored.id, overrideId))) throw new NotFoundError(`schedule "${name}" has no override ${overrideId}`);
  }

  /**
   * Each schedule compiled with the overrides that can matter in `[from, until)`, keyed by schedule id. One
   * query for the overrides of all of them.
   */
  async compile(schedules: readonly StoredSchedule[], from: Date, until: Date): Promise<Map<string, CompiledSchedule>> {
    const overrides = await listOverrides(
      this.options.db,
      schedules.map((s) => s.id),
      from,
      until,
    );
    return new Map(schedules.map((s) => [s.id, compileSchedule(s.schedule, overrides.filter((o) => o.scheduleId === s.id))]));
  }

  private async find(tenantId: string, name: string): Promise<StoredSchedule> {
    const stored = await findSchedule(this.options.db, tenantId, name);
    if (!stored) throw scheduleNotFound(tenantId, name);
    return stored;
  }

  /** Compiled for segmentAt(at), which follows a segment at most MAX_ONCALL_WINDOW_DAYS either way. */
  private compileAround(schedules: readonly StoredSchedule[], at: Date): Promise<Map<string, CompiledSchedule>> {
    return this.compile(schedules, new Date(at.getTime() - WINDOW_MS), new Date(at.getTime() + WINDOW_MS));
  }

  private async view(stored: StoredSchedule): Promise<ScheduleView> {
    const now = this.options.clock.now();
    return this.viewOf(stored, (await this.compileAround([stored], now)).get(stored.id)!, now);
  }

  private viewOf(stored: StoredSchedule, compiled: CompiledSchedule, now: Date): ScheduleView {
    return { stored, onCallNow: compiled.segmentAt(now), icalUrl: `${this.options.publicBaseUrl}/calendar/${stored.calendarToken}.ics` };
  }
}

const scheduleNotFound = (tenantId: string, name: string) => new NotFoundError(`tenant ${tenantId} has no schedule "${name}"`);

/** `"a", "b" and "c"`. */
export function quotedList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
