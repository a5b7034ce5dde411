import { z } from 'zod';
import {
  CONFIG_ACTIONS,
  MAX_POLICY_REPEAT,
  SEVERITIES,
  ONCALL_CONFIG_SECTIONS,
  SLACK_USER_ID_PATTERN,
  SLACK_USERGROUP_ID_PATTERN,
  slugSchema,
  TIME_OF_DAY_PATTERN,
  WALL_CLOCK_PATTERN,
  WEEKDAYS,
  type ConfigProblemDto,
  type EscalationPolicyConfig,
  type HeartbeatConfig,
  type LayerConfig,
  type OnCallConfigDto,
  type OnCallPlanDto,
  type ScheduleConfig,
  type ServiceConfig,
} from '@klaxon/contracts';
import { bodyOf, errorBody } from './openapi-kit';

// The bodies the config routes answer with, for the OpenAPI document; each must match its DTO in contracts.
// The config is in canonical form: optional fields left out (never null), durations and zones canonical.

const layerConfig = bodyOf<LayerConfig>()(
  z.strictObject({
    name: slugSchema,
    members: z.array(z.string().regex(SLACK_USER_ID_PATTERN)),
    shift: z.string().describe('Canonical: `1w`, `1d`, `12h`.'),
    handoff: z.string().regex(WALL_CLOCK_PATTERN),
    restrict: z.array(z.strictObject({ days: z.array(z.enum(WEEKDAYS)), from: z.string().regex(TIME_OF_DAY_PATTERN), to: z.string().regex(TIME_OF_DAY_PATTERN) })).optional(),
  }),
);

const scheduleConfig = bodyOf<ScheduleConfig>()(z.strictObject({ time_zone: z.string(), layers: z.array(layerConfig) }).meta({ id: 'ScheduleConfig' }));

const policyConfig = bodyOf<EscalationPolicyConfig>()(
  z
    .strictObject({
      steps: z.array(
        z.strictObject({
          targets: z.array(z.union([z.strictObject({ schedule: slugSchema }), z.strictObject({ person: z.string().regex(SLACK_USER_ID_PATTERN) })])),
          escalate_after: z.string().describe('Canonical duration: `5m`, `1h30m`.'),
        }),
      ),
      repeat: z.number().int().min(0).max(MAX_POLICY_REPEAT),
    })
    .meta({ id: 'EscalationPolicyConfig' }),
);

const serviceConfig = bodyOf<ServiceConfig>()(
  z.strictObject({ escalation_policy: slugSchema, slack_channel: z.string().optional(), slack_usergroup: z.string().regex(SLACK_USERGROUP_ID_PATTERN).optional() }).meta({ id: 'ServiceConfig' }),
);

const heartbeatConfig = bodyOf<HeartbeatConfig>()(
  z
    .strictObject({
      service: slugSchema,
      interval: z.string().describe('Canonical elapsed duration: `30s`, `5m`, `24h`.'),
      grace: z.string().optional().describe('Left out when none.'),
      severity: z.enum(SEVERITIES),
    })
    .meta({ id: 'HeartbeatConfig' }),
);

export const oncallConfigDocumentSchema = bodyOf<OnCallConfigDto>()(
  z
    .strictObject({
      schedules: z.record(slugSchema, scheduleConfig),
      escalation_policies: z.record(slugSchema, policyConfig),
      services: z.record(slugSchema, serviceConfig),
      heartbeats: z.record(slugSchema, heartbeatConfig),
    })
    .meta({ id: 'OnCallConfig', description: 'A tenant’s whole on-call setup (no overrides), names in code-point order: the body `POST /oncall-config/{tenant_id}` takes back unchanged.' }),
);

const section = z.enum(ONCALL_CONFIG_SECTIONS);
const configObject = z.union([scheduleConfig, policyConfig, serviceConfig, heartbeatConfig]);

export const oncallPlanSchema = bodyOf<OnCallPlanDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      dry_run: z.boolean(),
      prune: z.boolean(),
      applied: z.boolean().describe('True when the changes were written: not a dry run, and something changed.'),
      changes: z
        .array(
          z.strictObject({
            section,
            name: slugSchema,
            action: z.enum(CONFIG_ACTIONS),
            before: configObject.nullable().describe('As stored; null for a create.'),
            after: configObject.nullable().describe('As the document has it; null for a delete.'),
            fields: z
              .array(z.strictObject({ path: z.string().describe('Within the object: `layers[0].members`.'), before: z.unknown(), after: z.unknown() }))
              .describe('For an update, each field that changes (null: absent on that side); empty otherwise.'),
          }),
        )
        .describe('In the order they are applied: deleted services, then schedules, policies and services written, then deleted policies and schedules.'),
      unchanged: z.number().int().min(0).describe('Objects of the document already so.'),
      kept: z.array(z.strictObject({ section, name: slugSchema })).describe('Stored objects of a section the document has but not in it: kept, since `prune` was not given.'),
    })
    .meta({ id: 'OnCallPlan', description: 'What an apply changes (with `dry_run`, would change).' }),
);

export const configRefusedSchema = errorBody(z.literal('invalid_field'), {
  problems: z
    .array(bodyOf<ConfigProblemDto>()(z.strictObject({ path: z.string().describe('Where in the document: `schedules.payments.layers[0].shift`.'), message: z.string() })))
    .optional()
    .describe('Every problem of the document by its place in it (the detail lists the first ten); absent when the query or path is what is wrong.'),
}).meta({ id: 'ConfigRefused', description: 'The document (or the query) is refused; nothing was written.' });
