import { z } from 'zod';
import {
  MAX_ONCALL_WINDOW_DAYS,
  MAX_POLICY_REPEAT,
  SLACK_USER_ID_PATTERN,
  slugSchema,
  TIME_OF_DAY_PATTERN,
  WALL_CLOCK_PATTERN,
  WEEKDAYS,
  type EscalationPolicyDto,
  type EscalationPolicyListDto,
  type EscalationStepDto,
  type InUseBody,
  type LayerDto,
  type OnCallNowDto,
  type OnCallOverviewDto,
  type OnCallSegmentDto,
  type OverrideDto,
  type OverrideListDto,
  type RestrictionDto,
  type ScheduleDto,
  type ScheduleListDto,
  type ServiceDto,
  type ServiceListDto,
  type ServiceOnCallDto,
  type ShiftsDto,
} from '@klaxon/contracts';
import { bodyOf, errorBody, timestamp } from './openapi-kit';

// The bodies the on-call routes answer with, for the OpenAPI document; each must match its DTO in contracts.

const slackUser = () => z.string().regex(SLACK_USER_ID_PATTERN);
const timeOfDay = () => z.string().regex(TIME_OF_DAY_PATTERN);

// Every kind a tenant names: who owns it, its name, and when it was written.
const ownedBy = { tenant_id: z.string(), name: slugSchema } as const;
const written = (what: string) => ({ created_at: timestamp(`When the ${what} was created.`), updated_at: timestamp('When it was last replaced.') });

export const onCallSegmentSchema = bodyOf<OnCallSegmentDto>()(
  z
    .strictObject({
      person: slackUser().nullable().describe('Who is on call; null: nobody (a gap).'),
      source: z.string().nullable().describe('The layer’s name, or `override`; null with `person`.'),
      start: timestamp('Start of the segment (inclusive).'),
      end: timestamp('End of the segment (exclusive).'),
    })
    .meta({ id: 'OnCallSegment', description: '`[start, end)` with one answer: the same person from the same source throughout.' }),
);

export const shiftsSchema = bodyOf<ShiftsDto>()(
  z
    .strictObject({
      shifts: z.array(onCallSegmentSchema).describe('Tiling `[at, until)` exactly: the first starts at `at`, each starts where the one before ends, the last ends at `until`.'),
    })
    .meta({ id: 'Shifts' }),
);

const restriction = bodyOf<RestrictionDto>()(z.strictObject({ days: z.array(z.enum(WEEKDAYS)), from: timeOfDay(), to: timeOfDay() }));

const layer = bodyOf<LayerDto>()(
  z.strictObject({
    name: slugSchema.describe('`layer-N` (by position) when the request gave none.'),
    members: z.array(slackUser().describe('A member, in turn order.')),
    shift: z.string().describe('Canonical: `1w`, `1d`, `12h`.'),
    handoff: z.string().regex(WALL_CLOCK_PATTERN).describe('Wall-clock time in `time_zone` when `members[0]` takes over.'),
    restrict: z.array(restriction).nullable().describe('Duty hours; null: on duty at all hours.'),
  }),
);

export const scheduleSchema = bodyOf<ScheduleDto>()(
  z
    .strictObject({
      ...ownedBy,
      time_zone: z.string().describe('IANA zone of hand-offs and duty hours, canonically spelt.'),
      layers: z.array(layer).describe('Bottom first: at any instant the last layer on duty answers.'),
      oncall_now: onCallSegmentSchema,
      ical_url: z
        .url()
        .describe('The calendar subscription, `PUBLIC_BASE_URL/calendar/<token>.ics`; a secret (anyone with it reads the schedule). `POST …/calendar-token` replaces it.'),
      ...written('schedule'),
    })
    .meta({ id: 'Schedule', description: 'A schedule, who is on call in it at the moment of the answer, and its calendar URL.' }),
);

export const scheduleListSchema = bodyOf<ScheduleListDto>()(z.strictObject({ schedules: z.array(scheduleSchema).describe('By name.') }).meta({ id: 'ScheduleList' }));

export const overrideSchema = bodyOf<OverrideDto>()(
  z
    .strictObject({
      id: z.guid(),
      schedule: slugSchema,
      person: slackUser().describe('On call for `[start, end)`, over every layer.'),
      start: timestamp('Start (inclusive).'),
      end: timestamp('End (exclusive).'),
      created_at: timestamp('Where overrides overlap, the one created last wins.'),
    })
    .meta({ id: 'Override', description: 'An override of a schedule.' }),
);

export const overrideListSchema = bodyOf<OverrideListDto>()(
  z.strictObject({ overrides: z.array(overrideSchema).describe('In the order they were created.') }).meta({ id: 'OverrideList' }),
);

const escalationTarget = z.union([
  z.strictObject({ schedule: slugSchema.describe('Whoever is on call in this schedule when the step fires.') }),
  z.strictObject({ person: slackUser().describe('This person, whenever the step fires.') }),
]);

const escalationStep = bodyOf<EscalationStepDto>()(
  z.strictObject({
    targets: z.array(escalationTarget),
    escalate_after: z.string().describe('Canonical duration (`5m`, `1h30m`): how long the step waits for an acknowledgement before the next fires.'),
  }),
);

export const escalationPolicySchema = bodyOf<EscalationPolicyDto>()(
  z
    .strictObject({
      ...ownedBy,
      steps: z.array(escalationStep),
      repeat: z.number().int().min(0).max(MAX_POLICY_REPEAT).describe('How many times all the steps run again after the last.'),
      ...written('policy'),
    })
    .meta({ id: 'EscalationPolicy', description: 'An escalation policy.' }),
);

export const escalationPolicyListSchema = bodyOf<EscalationPolicyListDto>()(
  z.strictObject({ escalation_policies: z.array(escalationPolicySchema).describe('By name.') }).meta({ id: 'EscalationPolicyList' }),
);

export const serviceSchema = bodyOf<ServiceDto>()(
  z
    .strictObject({
      ...ownedBy,
      escalation_policy: slugSchema,
      slack_channel: z.string().nullable().describe('Where the service’s alerts are posted unless a raise names a channel.'),
      slack_usergroup: z.string().nullable().describe('The Slack user group whose mention pages the service; one service per group.'),
      ...written('service'),
    })
    .meta({ id: 'Service', description: 'A service: paged by name, through its escalation policy.' }),
);

export const serviceListSchema = bodyOf<ServiceListDto>()(z.strictObject({ services: z.array(serviceSchema).describe('By name.') }).meta({ id: 'ServiceList' }));

const onCallNow = bodyOf<OnCallNowDto>()(
  z
    .strictObject({
      schedule: slugSchema.nullable().describe('The schedule; null for a person the step names directly (on call for it at all hours).'),
      person: slackUser().nullable().describe('Who is on call; null: nobody.'),
      source: z.string().nullable().describe('The layer’s name, or `override`; null for a named person or nobody.'),
      until: z.iso
        .datetime()
        .nullable()
        .describe(`When someone else (or nobody) takes over; null when nothing changes within ${MAX_ONCALL_WINDOW_DAYS} days, or for a named person.`),
      next: z
        .strictObject({ person: slackUser().nullable().describe('Who takes over; null: nobody.'), start: timestamp('The same instant as `until`.') })
        .nullable()
        .describe('Who follows at `until`; null with it.'),
    })
    .meta({ id: 'OnCallNow', description: 'Who is on call now, until when, and who is next: consecutive layers and overrides of one person count as one stretch.' }),
);

const serviceOnCall = bodyOf<ServiceOnCallDto>()(
  z.strictObject({
    name: slugSchema,
    escalation_policy: slugSchema,
    step: z.number().int().min(1).describe('The step a page reaches first: the first whose targets find someone on call (1 when none does).'),
    on_call: z.array(onCallNow).describe('That step’s targets, in order.'),
  }),
);

export const onCallOverviewSchema = bodyOf<OnCallOverviewDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      at: timestamp('The moment of the answer.'),
      services: z.array(serviceOnCall).describe('Per service (or the one named), by name.'),
      schedules: z.array(onCallNow).describe('Per schedule (or the one named), by name: only when no service answers.'),
    })
    .meta({ id: 'OnCallOverview', description: 'Who is on call now: what `/alert oncall [name]` shows.' }),
);

export const inUseSchema = bodyOf<InUseBody>()(
  errorBody(z.literal('in_use'), {
    detail: z.string().describe('Names who uses it and what to do first.'),
    used_by: z.array(slugSchema).describe('The policies (of a schedule), services (of a policy) or heartbeats (of a service) that use it.'),
  }).meta({ id: 'InUse', description: 'Still used: nothing was deleted.' }),
);
