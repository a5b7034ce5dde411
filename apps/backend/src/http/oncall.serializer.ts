import {
  formatDuration,
  type EscalationPolicyDto,
  type LayerDto,
  type OnCallNowDto,
  type OnCallOverviewDto,
  type OnCallSegmentDto,
  type OverrideDto,
  type ScheduleDto,
  type ServiceDto,
} from '@klaxon/contracts';
import type { EscalationPolicy } from '../oncall/escalation-policy.repository';
import type { OnCallAnswer, OnCallEntry } from '../oncall/oncall-overview';
import type { Layer, OnCallSegment } from '../oncall/schedule';
import type { StoredOverride } from '../oncall/schedule.repository';
import type { ScheduleView } from '../oncall/schedule.service';
import type { Service } from '../oncall/service.repository';

export const toSegmentDto = (segment: OnCallSegment): OnCallSegmentDto => ({
  person: segment.person,
  source: segment.source,
  start: segment.start.toISOString(),
  end: segment.end.toISOString(),
});

const toLayerDto = (layer: Layer): LayerDto => ({
  name: layer.name,
  members: [...layer.members],
  shift: formatDuration(layer.shift),
  handoff: layer.handoff,
  restrict: layer.restrict?.map((r) => ({ days: [...r.days], from: r.from, to: r.to })) ?? null,
});

export const toScheduleDto = ({ stored, onCallNow, icalUrl }: ScheduleView): ScheduleDto => ({
  tenant_id: stored.tenantId,
  name: stored.name,
  time_zone: stored.schedule.timeZone,
  layers: stored.schedule.layers.map(toLayerDto),
  oncall_now: toSegmentDto(onCallNow),
  ical_url: icalUrl,
  created_at: stored.createdAt.toISOString(),
  updated_at: stored.updatedAt.toISOString(),
});

export const toOverrideDto = (schedule: string, override: StoredOverride): OverrideDto => ({
  id: override.id,
  schedule,
  person: override.person,
  start: override.start.toISOString(),
  end: override.end.toISOString(),
  created_at: override.createdAt.toISOString(),
});

export const toPolicyDto = (policy: EscalationPolicy): EscalationPolicyDto => ({
  tenant_id: policy.tenantId,
  name: policy.name,
  steps: policy.steps.map((step) => ({ targets: step.targets.map((t) => ({ ...t })), escalate_after: formatDuration(step.escalateAfter) })),
  repeat: policy.repeat,
  created_at: policy.createdAt.toISOString(),
  updated_at: policy.updatedAt.toISOString(),
});

export const toServiceDto = (service: Service): ServiceDto => ({
  tenant_id: service.tenantId,
  name: service.name,
  escalation_policy: service.escalationPolicy,
  slack_channel: service.slackChannel,
  slack_usergroup: service.slackUsergroup,
  created_at: service.createdAt.toISOString(),
  updated_at: service.updatedAt.toISOString(),
});

const toOnCallNowDto = (entry: OnCallEntry): OnCallNowDto => ({
  schedule: entry.schedule,
  person: entry.person,
  source: entry.source,
  until: entry.until?.toISOString() ?? null,
  next: entry.next ? { person: entry.next.person, start: entry.next.start.toISOString() } : null,
});

export const toOnCallOverviewDto = (answer: OnCallAnswer): OnCallOverviewDto => ({
  tenant_id: answer.tenantId,
  at: answer.at.toISOString(),
  services: answer.services.map(({ service, step, onCall }) => ({ name: service.name, escalation_policy: service.escalationPolicy, step, on_call: onCall.map(toOnCallNowDto) })),
  schedules: answer.schedules.map(toOnCallNowDto),
});
