import { isDeepStrictEqual } from 'node:util';
import {
  formatDuration,
  ONCALL_CONFIG_KINDS,
  type ConfigChangeDto,
  type ConfigFieldChangeDto,
  type ConfigObjectRef,
  type ConfigProblemDto,
  type EscalationPolicyConfig,
  type EscalationPolicyRequest,
  type HeartbeatConfig,
  type HeartbeatRequest,
  durationSeconds,
  type OnCallConfigDto,
  type OnCallConfigObject,
  type OnCallConfigRequest,
  type OnCallConfigSection,
  type ScheduleConfig,
  type ServiceConfig,
} from '@klaxon/contracts';
import type { EscalationStep } from './escalation-policy.repository';
import { scheduleFromRequest, type Schedule } from './schedule';

// Pure: the on-call config of a tenant as one canonical document, and the plan that turns the stored one into
// the file's (docs/oncall.md, "Config as code"). No I/O: the service reads, locks and writes around it.

/** The file's sections in canonical form; a section the file leaves out is absent (the file does not manage it). */
export type DesiredConfig = Partial<OnCallConfigDto>;

export const scheduleConfigOf = (schedule: Schedule): ScheduleConfig => ({
  time_zone: schedule.timeZone,
  layers: schedule.layers.map((layer) => ({
    name: layer.name,
    members: [...layer.members],
    shift: formatDuration(layer.shift),
    handoff: layer.handoff,
    ...(layer.restrict === undefined ? {} : { restrict: layer.restrict.map((r) => ({ days: [...r.days], from: r.from, to: r.to })) }),
  })),
});

export const policyConfigOf = (policy: { steps: readonly EscalationStep[]; repeat: number }): EscalationPolicyConfig => ({
  steps: policy.steps.map((step) => ({ targets: step.targets.map((t) => ({ ...t })), escalate_after: formatDuration(step.escalateAfter) })),
  repeat: policy.repeat,
});

export const serviceConfigOf = (service: { escalationPolicy: string; slackChannel: string | null; slackUsergroup: string | null }): ServiceConfig => ({
  escalation_policy: service.escalationPolicy,
  ...(service.slackChannel === null ? {} : { slack_channel: service.slackChannel }),
  ...(service.slackUsergroup === null ? {} : { slack_usergroup: service.slackUsergroup }),
});

const elapsed = (seconds: number): string => formatDuration({ kind: 'elapsed', seconds });

/** A heartbeat in canonical form: durations as stored, in whole seconds (`1d` is written `24h`). */
export const heartbeatConfigOf = (heartbeat: { service: string; intervalSeconds: number; graceSeconds: number; severity: HeartbeatConfig['severity'] }): HeartbeatConfig => ({
  service: heartbeat.service,
  interval: elapsed(heartbeat.intervalSeconds),
  ...(heartbeat.graceSeconds > 0 ? { grace: elapsed(heartbeat.graceSeconds) } : {}),
  severity: heartbeat.severity,
});

/** A heartbeat's body as the domain stores it. */
export const heartbeatWriteOf = (body: HeartbeatRequest) => ({
  service: body.service,
  intervalSeconds: durationSeconds(body.interval),
  graceSeconds: body.grace ? durationSeconds(body.grace) : 0,
  severity: body.severity,
});

/** The policy's steps as the domain holds them. */
export const stepsOf = (steps: EscalationPolicyRequest['steps']): EscalationStep[] => steps.map((step) => ({ targets: step.targets, escalateAfter: step.escalate_after }));

/** The validated file in canonical form, each section's names in code-point order. */
export function desiredConfigOf(request: OnCallConfigRequest): DesiredConfig {
  const desired: DesiredConfig = {};
  if (request.schedules) desired.schedules = mapSorted(request.schedules, (body) => scheduleConfigOf(scheduleFromRequest(body)));
  if (request.escalation_policies) desired.escalation_policies = mapSorted(request.escalation_policies, (body) => policyConfigOf({ steps: stepsOf(body.steps), repeat: body.repeat }));
  if (request.services) {
    desired.services = mapSorted(request.services, (body) =>
      serviceConfigOf({ escalationPolicy: body.escalation_policy, slackChannel: body.slack_channel ?? null, slackUsergroup: body.slack_usergroup ?? null }),
    );
  }
  if (request.heartbeats) desired.heartbeats = mapSorted(request.heartbeats, (body) => heartbeatConfigOf(heartbeatWriteOf(body)));
  return desired;
}

/** Names in code-point order, not the database's collation: the same order on every machine, so exports are stable. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function mapSorted<T, U>(record: Readonly<Record<string, T>>, map: (value: T, name: string) => U): Record<string, U> {
  return Object.fromEntries(
    Object.keys(record)
      .sort(byName)
      .map((name) => [name, map(record[name]!, name)]),
  );
}

export interface ConfigPlan {
  /** In the order they are applied (see APPLY_ORDER). */
  changes: ConfigChangeDto[];
  unchanged: number;
  kept: ConfigObjectRef[];
  /** Links that would point at nothing once applied; a plan with problems is refused whole. */
  problems: ConfigProblemDto[];
}

// Heartbeats go first (nothing refers to them), then services (a deleted one frees its user group), then what
// each kind refers to is written before what refers to it, and deletes of what others use come last.
const APPLY_ORDER: readonly (readonly [OnCallConfigSection, 'write' | 'delete'])[] = [
  ['heartbeats', 'delete'],
  ['services', 'delete'],
  ['schedules', 'write'],
  ['escalation_policies', 'write'],
  ['services', 'write'],
  ['heartbeats', 'write'],
  ['escalation_policies', 'delete'],
  ['schedules', 'delete'],
];

/**
 * What applying `desired` to `current` changes. In a section the file has, an object it lacks is deleted with
 * `prune` and kept (listed) without; a section the file lacks is left alone. Every link of the result is
 * checked: a policy's schedules and a service's policy must exist once applied, and a user group names one
 * service.
 */
export function planConfig(current: OnCallConfigDto, desired: DesiredConfig, prune: boolean): ConfigPlan {
  const changes: ConfigChangeDto[] = [];
  const kept: ConfigObjectRef[] = [];
  let unchanged = 0;
  for (const [section, phase] of APPLY_ORDER) {
    const wanted = desired[section];
    if (wanted === undefined) continue;
    const stored: Record<string, OnCallConfigObject> = current[section];
    if (phase === 'write') {
      for (const [name, after] of Object.entries(wanted)) {
        const before = stored[name];
        if (before === undefined) changes.push({ section, name, action: 'create', before: null, after, fields: [] });
        else if (isDeepStrictEqual(before, after)) unchanged += 1;
        else changes.push({ section, name, action: 'update', before, after, fields: fieldChanges(before, after) });
      }
      continue;
    }
    for (const name of Object.keys(stored).sort(byName)) {
      if (name in wanted) continue;
      if (prune) changes.push({ section, name, action: 'delete', before: stored[name]!, after: null, fields: [] });
      else kept.push({ section, name });
    }
  }
  return { changes, unchanged, kept, problems: linkProblems(current, desired, prune) };
}

/** The tenant's config once the plan is applied. */
function resultOf(current: OnCallConfigDto, desired: DesiredConfig, prune: boolean): OnCallConfigDto {
  const section = <S extends OnCallConfigSection>(name: S): OnCallConfigDto[S] => {
    const wanted = desired[name];
    if (wanted === undefined) return current[name];
    return prune ? wanted : { ...current[name], ...wanted };
  };
  return { schedules: section('schedules'), escalation_policies: section('escalation_policies'), services: section('services'), heartbeats: section('heartbeats') };
}

function linkProblems(current: OnCallConfigDto, desired: DesiredConfig, prune: boolean): ConfigProblemDto[] {
  const result = resultOf(current, desired, prune);
  const problems: ConfigProblemDto[] = [];
  /** A link from `user` (of section `from`) at `path` to `target` of section `to`, which the result lacks. */
  const missing = (from: OnCallConfigSection, user: string, path: string, to: OnCallConfigSection, target: string) => {
    const kind = ONCALL_CONFIG_KINDS[to];
    const pruned = target in current[to];
    if (desired[from]?.[user] === undefined) {
      // A user the file does not manage, whose link the file's prune would cut.
      problems.push({
        path: to,
        message: `prune would delete ${kind} "${target}", which ${ONCALL_CONFIG_KINDS[from]} "${user}" uses and the file does not manage (it has no ${from} section): add "${target}" to the file`,
      });
      return;
    }
    problems.push({
      path: `${from}.${user}.${path}`,
      message: pruned ? `${kind} "${target}" is not in the file, so prune would delete it: add it to the file, or name another` : `no ${kind} "${target}" in the file or the tenant`,
    });
  };
  for (const [name, policy] of Object.entries(result.escalation_policies)) {
    policy.steps.forEach((step, s) =>
      step.targets.forEach((target, t) => {
        if ('schedule' in target && !(target.schedule in result.schedules)) missing('escalation_policies', name, `steps[${s}].targets[${t}].schedule`, 'schedules', target.schedule);
      }),
    );
  }
  const groups = new Map<string, string>();
  for (const [name, service] of Object.entries(result.services)) {
    if (!(service.escalation_policy in result.escalation_policies)) missing('services', name, 'escalation_policy', 'escalation_policies', service.escalation_policy);
    if (service.slack_usergroup === undefined) continue;
    const holder = groups.get(service.slack_usergroup);
    if (holder === undefined) groups.set(service.slack_usergroup, name);
    else {
      // Reported on the file's side of the pair, so the path points at a line to change.
      const [onFile, other] = desired.services?.[name] ? [name, holder] : [holder, name];
      problems.push({ path: `services.${onFile}.slack_usergroup`, message: `${service.slack_usergroup} is also the user group of service "${other}": a mention of the group pages one service` });
    }
  }
  for (const [name, heartbeat] of Object.entries(result.heartbeats)) {
    if (!(heartbeat.service in result.services)) missing('heartbeats', name, 'service', 'services', heartbeat.service);
  }
  // A schedule two steps name is one problem, not two.
  return problems.filter((problem, i) => problems.findIndex((other) => other.path === problem.path && other.message === problem.message) === i);
}

/**
 * The fields an update changes, leaf by leaf: `layers[0].members`, `repeat`. Lists of objects (layers, steps,
 * targets) are compared item by item, an item only one side has is one change; lists of plain values
 * (members, days) are one field each.
 */
export function fieldChanges(before: unknown, after: unknown, path = ''): ConfigFieldChangeDto[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    return keys.flatMap((key) => fieldChanges(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].some((item) => typeof item === 'object' && item !== null)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => fieldChanges(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return [{ path, before: before ?? null, after: after ?? null }];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
