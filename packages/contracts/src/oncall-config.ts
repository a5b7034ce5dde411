import { z } from 'zod';
import {
  escalationPolicyRequestSchema,
  scheduleRequestSchema,
  serviceRequestSchema,
  type EscalationStepDto,
  type RestrictionDto,
} from './oncall';
import { slugSchema } from './slug';
import { heartbeatRequestSchema } from './maintenance-heartbeats';
import type { Severity } from './alert';

// A tenant's on-call setup as one document: config as code (docs/oncall.md, "Config as code"). Each section
// maps names to the very bodies the PUT routes take, so a refusal's path reads as the file does
// (`schedules.payments.layers[0].shift: …`). Overrides are not config (they are what people do this week) and
// have no section, nor are maintenance windows (they are what people do this afternoon). Heartbeats joined as a
// later section: a file without a section leaves that kind alone, so older files keep meaning what they meant.

export const ONCALL_CONFIG_SECTIONS = ['schedules', 'escalation_policies', 'services', 'heartbeats'] as const;
export type OnCallConfigSection = (typeof ONCALL_CONFIG_SECTIONS)[number];

/** How a sentence names one object of each section. */
export const ONCALL_CONFIG_KINDS: Readonly<Record<OnCallConfigSection, string>> = {
  schedules: 'schedule',
  escalation_policies: 'escalation policy',
  services: 'service',
  heartbeats: 'heartbeat',
};

/** Objects per section: far beyond a real tenant, and it bounds what one apply locks and compares. */
export const MAX_CONFIG_OBJECTS = 500;

/** A section: names (slugs) to bodies, each body refused by its own schema under its name. */
function section<S extends z.ZodType>(body: S, what: string) {
  return z
    .record(slugSchema, body, {
      // The key's own refusal (`"Payments" is not a name: …`) instead of zod's "Invalid key in record".
      error: (issue) => (issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? 'not a name') : `a map of ${what} names to ${what}s`),
    })
    .refine((objects) => Object.keys(objects).length <= MAX_CONFIG_OBJECTS, `at most ${MAX_CONFIG_OBJECTS} ${what}s`);
}

/**
 * The document `npm run oncall -- apply` sends (`POST /oncall-config/:tenant_id`). Every section is optional:
 * one left out is not managed by the file.
 */
export const oncallConfigSchema = z.strictObject(
  {
    schedules: section(scheduleRequestSchema, 'schedule').optional(),
    escalation_policies: section(escalationPolicyRequestSchema, 'escalation policy').optional(),
    services: section(serviceRequestSchema, 'service').optional(),
    heartbeats: section(heartbeatRequestSchema, 'heartbeat').optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? `the on-call config is a map of sections (${ONCALL_CONFIG_SECTIONS.join(', ')})` : undefined) },
);
export type OnCallConfigRequest = z.output<typeof oncallConfigSchema>;

/** A zod issue's path as the file and the 422 write it: `schedules.payments.layers[0].shift`. */
export function configPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/**
 * Every refusal of `oncallConfigSchema` by its place in the document: the CLI shows each at its line, the
 * backend answers them all in its 422. An unknown field is named by its own path, not its parent's.
 */
export function configProblemsOf(error: z.ZodError): ConfigProblemDto[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [{ path: configPath(issue.path), message: issue.message }];
    const message = issue.path.length === 0 ? `unknown section: the sections are ${ONCALL_CONFIG_SECTIONS.join(', ')} (check the spelling)` : 'unknown field (check the spelling)';
    return issue.keys.map((key) => ({ path: configPath([...issue.path, key]), message }));
  });
}

// ── The document in canonical form: what export writes and what a plan compares ──
// Optional fields are left out rather than null, durations and zones are canonical (`7d` → `1w`), every
// layer is named, and `repeat` is always written: two documents that mean the same are equal as JSON.

export interface LayerConfig {
  name: string;
  members: string[];
  shift: string;
  handoff: string;
  restrict?: RestrictionDto[];
}

export interface ScheduleConfig {
  time_zone: string;
  layers: LayerConfig[];
}

export interface EscalationPolicyConfig {
  steps: EscalationStepDto[];
  repeat: number;
}

export interface ServiceConfig {
  escalation_policy: string;
  slack_channel?: string;
  slack_usergroup?: string;
}

/** Durations in elapsed canonical form (`1d` is written `24h`), `grace` left out when none, `severity` always written. */
export interface HeartbeatConfig {
  service: string;
  interval: string;
  grace?: string;
  severity: Severity;
}

/** `GET /oncall-config/:tenant_id`: the tenant's whole setup, every section present, names in code-point order. */
export interface OnCallConfigDto {
  schedules: Record<string, ScheduleConfig>;
  escalation_policies: Record<string, EscalationPolicyConfig>;
  services: Record<string, ServiceConfig>;
  heartbeats: Record<string, HeartbeatConfig>;
}

export type OnCallConfigObject = ScheduleConfig | EscalationPolicyConfig | ServiceConfig | HeartbeatConfig;

// ── The plan: what an apply changes ──

export const CONFIG_ACTIONS = ['create', 'update', 'delete'] as const;
export type ConfigAction = (typeof CONFIG_ACTIONS)[number];

/** One field of an object that an update changes; `before` null: the field is added, `after` null: removed. */
export interface ConfigFieldChangeDto {
  /** Within the object: `layers[0].members`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface ConfigChangeDto {
  section: OnCallConfigSection;
  name: string;
  action: ConfigAction;
  /** The object as stored; null for a create. */
  before: OnCallConfigObject | null;
  /** The object as the file has it; null for a delete. */
  after: OnCallConfigObject | null;
  /** For an update, each field that changes; empty otherwise. */
  fields: ConfigFieldChangeDto[];
}

export interface ConfigObjectRef {
  section: OnCallConfigSection;
  name: string;
}

/** `POST /oncall-config/:tenant_id`: what the apply changes (or, with `dry_run`, would change). */
export interface OnCallPlanDto {
  tenant_id: string;
  dry_run: boolean;
  prune: boolean;
  /** True when the changes were written: not a dry run, and there was something to change. */
  applied: boolean;
  /** In the order they are applied: deletes of services first, then by section, then by name. */
  changes: ConfigChangeDto[];
  /** Objects in the file that are already so. */
  unchanged: number;
  /** Objects of a section the file has but not in the file: kept without `prune`. */
  kept: ConfigObjectRef[];
}

/** A 422 of an apply: each problem with its place in the file (`escalation_policies.std.steps[0].targets[0].schedule`). */
export interface ConfigProblemDto {
  path: string;
  message: string;
}
