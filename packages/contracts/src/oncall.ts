import { z } from 'zod';
import { durationMilliseconds, parseDuration, type Duration } from './duration';
import { SLACK_USER_ID_PATTERN, SLACK_USERGROUP_ID_PATTERN } from './alert';
import { slackChannelIdSchema, TIME_OF_DAY_PATTERN } from './requests';
import { canonicalTimeZone } from './time-zone';
import { quoted, slugSchema } from './slug';

// Bodies of the on-call routes (DESIGN, "On call: schedules, escalation policies, services"). A refusal's
// path and message together make the 422 detail (`layers[1].shift: …`), so each message reads after a field name.

/** A hand-off as people write it, a wall-clock time in the schedule's zone: `2026-12-07T09:00`. */
export const WALL_CLOCK_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The source of an override in who-is-on-call answers, so no layer may take the name. */
export const OVERRIDE_SOURCE = 'override';
/** The longest window one request for shifts may ask for, and how far a segment is followed either way. */
export const MAX_ONCALL_WINDOW_DAYS = 90;

export const MAX_LAYERS = 10;
export const MAX_LAYER_MEMBERS = 100;
export const MAX_LAYER_RESTRICTIONS = 28;
export const MAX_POLICY_STEPS = 10;
export const MAX_STEP_TARGETS = 10;
export const MAX_POLICY_REPEAT = 5;
// Nobody hands over faster than hourly (GoAlert and PagerDuty draw the same line), and it keeps the
// shifts of a 90-day window to a few thousand.
const SHORTEST_SHIFT_SECONDS = 60 * 60;
const SHORTEST_ESCALATE_AFTER_SECONDS = 5;

/** `layer-2` for the second layer: the name of a layer given none. */
export const defaultLayerName = (index: number): string => `layer-${index + 1}`;


const person = z.string().regex(SLACK_USER_ID_PATTERN, { error: (issue) => `${quoted(issue.input)} is not a Slack user id (such as U024BE7LH)` });

const scheduleTimeZone = z
  .string()
  .max(64)
  .transform((name, ctx) => {
    const zone = canonicalTimeZone(name.trim());
    if (zone !== null) return zone;
    ctx.addIssue({ code: 'custom', message: `unknown zone ${quoted(name)}: an IANA time zone such as Europe/Berlin, America/New_York or UTC` });
    return z.NEVER;
  });

/** A duration in Prometheus' notation (see duration.ts), refused with the parser's own sentence. */
export const durationSchema = z
  .string()
  .max(32)
  .transform((text, ctx): Duration => {
    const parsed = parseDuration(text);
    if (parsed.ok) return parsed.duration;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  });

const shift = durationSchema.refine((duration) => durationMilliseconds(duration) >= SHORTEST_SHIFT_SECONDS * 1000, {
  error: 'shorter than 1h: shifts are an hour or longer (for a short swap, add an override)',
});

const handoff = z.string().refine(isWallClockTime, {
  error: (issue) => `${quoted(issue.input)} is not a wall-clock time YYYY-MM-DDTHH:MM in the schedule's zone (such as 2026-12-07T09:00)`,
});

const timeOfDay = z
  .string()
  .regex(TIME_OF_DAY_PATTERN, { error: (issue) => `${quoted(issue.input)} is not a time of day HH:MM (24-hour, such as 09:00)` });

const weekday = z.enum(WEEKDAYS, { error: (issue) => `${quoted(issue.input)} is not a day: mon, tue, wed, thu, fri, sat or sun` });

/**
 * Duty hours `[from, to)` in the schedule's zone, starting on each of `days`. `to` at or before `from` runs
 * past midnight into the next day (`22:00`–`06:00`); `to` equal to `from` is a whole day from `from`.
 */
export const restrictionSchema = z.strictObject({
  days: z
    .array(weekday)
    .min(1, 'at least one day')
    .max(WEEKDAYS.length)
    .refine((days) => new Set(days).size === days.length, 'each day once'),
  from: timeOfDay,
  to: timeOfDay,
});

export const layerSchema = z.strictObject({
  name: slugSchema.refine((name) => name !== OVERRIDE_SOURCE, `"${OVERRIDE_SOURCE}" is kept for overrides: give the layer another name`).optional(),
  members: z.array(person).min(1, 'at least one member').max(MAX_LAYER_MEMBERS, `at most ${MAX_LAYER_MEMBERS} members`),
  shift,
  handoff,
  restrict: z
    .array(restrictionSchema)
    .min(1, 'at least one window (leave restrict out for a layer on duty at all hours)')
    .max(MAX_LAYER_RESTRICTIONS, `at most ${MAX_LAYER_RESTRICTIONS} windows`)
    .optional(),
});

/**
 * Body of `PUT /schedules/:tenant_id/:name`. The output names every layer (`layer-1`, … by position for
 * one given none), gives the zone its canonical spelling and parses shifts; layer names are unique.
 */
export const scheduleRequestSchema = z
  .strictObject({
    time_zone: scheduleTimeZone,
    layers: z.array(layerSchema).min(1, 'at least one layer').max(MAX_LAYERS, `at most ${MAX_LAYERS} layers`),
  })
  .transform((body, ctx) => {
    const layers = body.layers.map((layer, index) => ({ ...layer, name: layer.name ?? defaultLayerName(index) }));
    layers.forEach((layer, index) => {
      const first = layers.findIndex((other) => other.name === layer.name);
      if (first !== index) {
        ctx.addIssue({ code: 'custom', path: ['layers', index, 'name'], message: `"${layer.name}" is already the name of layers[${first}]: layer names are unique` });
      }
    });
    return { time_zone: body.time_zone, layers };
  });
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;
export type ScheduleRequestLayer = ScheduleRequest['layers'][number];

// Hand-offs are 1970 or later, and a window with the segments around it must still be written with a
// four-digit year (RFC 3339): instants outside these years are typos, refused.
const FIRST_INSTANT = Date.UTC(1970, 0, 1);
const END_OF_INSTANTS = Date.UTC(9000, 0, 1);

/** An instant with its offset, as every on-call time is written on the wire; read as a Date. */
export const instantSchema = z.iso
  .datetime({ offset: true, error: 'an ISO 8601 instant such as 2026-12-07T09:00:00Z or 2026-12-07T10:00:00+01:00' })
  .transform((text) => new Date(text))
  .refine((date) => date.getTime() >= FIRST_INSTANT && date.getTime() < END_OF_INSTANTS, 'an instant from 1970 to 8999');
const instant = instantSchema;

/** Body of `POST /schedules/:tenant_id/:name/overrides`: `person` is on call for `[start, end)`. */
export const overrideRequestSchema = z
  .strictObject({ person, start: instant, end: instant })
  // A transform, not a refine: it runs only once both instants were read.
  .transform((body, ctx) => {
    if (body.end.getTime() > body.start.getTime()) return body;
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    return z.NEVER;
  });
export type OverrideRequest = z.infer<typeof overrideRequestSchema>;

/** A step pages schedules (whoever is on call when it fires) and people; each target names exactly one. */
const escalationTarget = z
  .strictObject({ schedule: slugSchema.optional(), person: person.optional() })
  .transform((target, ctx): EscalationTarget => {
    if (target.schedule !== undefined && target.person === undefined) return { schedule: target.schedule };
    if (target.person !== undefined && target.schedule === undefined) return { person: target.person };
    ctx.addIssue({ code: 'custom', message: 'a target is {"schedule": name} or {"person": Slack user id}, exactly one of them' });
    return z.NEVER;
  });
export type EscalationTarget = { schedule: string } | { person: string };

const escalateAfter = durationSchema.refine((duration) => durationMilliseconds(duration) >= SHORTEST_ESCALATE_AFTER_SECONDS * 1000, {
  error: `under ${SHORTEST_ESCALATE_AFTER_SECONDS}s: give the people paged at least ${SHORTEST_ESCALATE_AFTER_SECONDS}s before the next step`,
});

/** Body of `PUT /escalation-policies/:tenant_id/:name`; `repeat` (0 when left out) runs all the steps again. */
export const escalationPolicyRequestSchema = z.strictObject({
  steps: z
    .array(
      z.strictObject({
        targets: z.array(escalationTarget).min(1, 'at least one target').max(MAX_STEP_TARGETS, `at most ${MAX_STEP_TARGETS} targets`),
        escalate_after: escalateAfter,
      }),
    )
    .min(1, 'at least one step')
    .max(MAX_POLICY_STEPS, `at most ${MAX_POLICY_STEPS} steps`),
  repeat: z
    .number({ error: `a whole number from 0 to ${MAX_POLICY_REPEAT}` })
    .int(`a whole number from 0 to ${MAX_POLICY_REPEAT}`)
    .min(0, `a whole number from 0 to ${MAX_POLICY_REPEAT}`)
    .max(MAX_POLICY_REPEAT, `at most ${MAX_POLICY_REPEAT}: after that the channel is told nobody acknowledged`)
    .default(0),
});
export type EscalationPolicyRequest = z.infer<typeof escalationPolicyRequestSchema>;

/** Body of `PUT /services/:tenant_id/:name`. */
export const serviceRequestSchema = z.strictObject({
  escalation_policy: slugSchema,
  slack_channel: slackChannelIdSchema.optional(),
  slack_usergroup: z
    .string()
    .regex(SLACK_USERGROUP_ID_PATTERN, { error: (issue) => `${quoted(issue.input)} is not a Slack user group id (such as S0614TZR7)` })
    .optional(),
});
export type ServiceRequest = z.infer<typeof serviceRequestSchema>;

/**
 * `2026-12-07T09:00` → the milliseconds it would be after 1970-01-01T00:00 if it were UTC (so a calendar day
 * is always 86,400,000 of them); null unless it names a real day (no 30 February) and time, in 1970 or later.
 */
export function wallClockMilliseconds(text: string): number | null {
  const match = WALL_CLOCK_PATTERN.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
  const real = year >= 1970 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60;
  return real ? date.getTime() : null;
}

export function isWallClockTime(text: string): boolean {
  return wallClockMilliseconds(text) !== null;
}

// ── Answers of the on-call routes (what the backend returns and the gateway reads) ──

/** `[start, end)` with one answer: who is on call and from which layer (`override` for an override); both null when nobody is. */
export interface OnCallSegmentDto {
  person: string | null;
  source: string | null;
  start: string;
  end: string;
}

export interface ShiftsDto {
  shifts: OnCallSegmentDto[];
}

export interface RestrictionDto {
  days: Weekday[];
  from: string;
  to: string;
}

/** A layer as stored: named (`layer-N` when the request gave none), its shift in canonical form (`1w`). */
export interface LayerDto {
  name: string;
  members: string[];
  shift: string;
  handoff: string;
  /** Null: on duty at all hours. */
  restrict: RestrictionDto[] | null;
}

export interface ScheduleDto {
  tenant_id: string;
  name: string;
  time_zone: string;
  layers: LayerDto[];
  /** The segment holding the moment of the answer. */
  oncall_now: OnCallSegmentDto;
  /** `PUBLIC_BASE_URL/calendar/<token>.ics`: the schedule's calendar subscription. */
  ical_url: string;
  created_at: string;
  updated_at: string;
}

export interface ScheduleListDto {
  schedules: ScheduleDto[];
}

export interface OverrideDto {
  id: string;
  schedule: string;
  person: string;
  start: string;
  end: string;
  created_at: string;
}

export interface OverrideListDto {
  overrides: OverrideDto[];
}

export interface EscalationStepDto {
  targets: EscalationTarget[];
  escalate_after: string;
}

export interface EscalationPolicyDto {
  tenant_id: string;
  name: string;
  steps: EscalationStepDto[];
  repeat: number;
  created_at: string;
  updated_at: string;
}

export interface EscalationPolicyListDto {
  escalation_policies: EscalationPolicyDto[];
}

export interface ServiceDto {
  tenant_id: string;
  name: string;
  escalation_policy: string;
  slack_channel: string | null;
  slack_usergroup: string | null;
  created_at: string;
  updated_at: string;
}

export interface ServiceListDto {
  services: ServiceDto[];
}

/**
 * Who is on call now for one schedule (or a person a policy step names), until when, and who follows. Times
 * on call from several layers or overrides in a row count as one stretch: `until` is when someone else (or
 * nobody) takes over.
 */
export interface OnCallNowDto {
  /** The schedule; null for a person the step names directly, who is on call for it at all hours. */
  schedule: string | null;
  /** Null: nobody is on call. */
  person: string | null;
  /** The layer's name or `override`; null for a named person or nobody. */
  source: string | null;
  /** When the stretch ends; null when nothing changes within 90 days (or for a named person). */
  until: string | null;
  /** Who takes over at `until` (person null: nobody); null with `until`. */
  next: { person: string | null; start: string } | null;
}

export interface ServiceOnCallDto {
  name: string;
  escalation_policy: string;
  /** The step a page would reach first: the first whose targets find someone on call (1 when none does). */
  step: number;
  on_call: OnCallNowDto[];
}

/** `GET /oncall/:tenant_id[?name=]`: per service (or the one named), or per schedule when the tenant has no services. */
export interface OnCallOverviewDto {
  tenant_id: string;
  at: string;
  services: ServiceOnCallDto[];
  schedules: OnCallNowDto[];
}

/** A 409: what the caller wants deleted is still used (a schedule by policies, a policy by services); nothing changed. */
export interface InUseBody {
  error: 'in_use';
  detail: string;
  /** The names of the policies or services using it. */
  used_by: string[];
}
