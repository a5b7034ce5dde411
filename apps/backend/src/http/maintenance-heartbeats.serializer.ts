import { formatDuration, type HeartbeatDto, type MaintenanceDto } from '@klaxon/contracts';
import type { Heartbeat } from '../oncall/heartbeat.repository';
import { endOf, type MaintenanceWindow } from '../oncall/maintenance.repository';

export const toMaintenanceDto = (window: MaintenanceWindow, now: Date): MaintenanceDto => ({
  id: window.id,
  tenant_id: window.tenantId,
  service: window.service,
  start: window.start.toISOString(),
  end: endOf(window).toISOString(),
  planned_end: window.plannedEnd.toISOString(),
  reason: window.reason,
  created_by: window.createdBy,
  ended_early_at: window.endedEarlyAt?.toISOString() ?? null,
  active: window.start.getTime() <= now.getTime() && now.getTime() < endOf(window).getTime(),
  created_at: window.createdAt.toISOString(),
});

const seconds = (count: number): string => formatDuration({ kind: 'elapsed', seconds: count });

export const toHeartbeatDto = (heartbeat: Heartbeat): HeartbeatDto => ({
  tenant_id: heartbeat.tenantId,
  name: heartbeat.name,
  service: heartbeat.service,
  interval: seconds(heartbeat.intervalSeconds),
  grace: heartbeat.graceSeconds > 0 ? seconds(heartbeat.graceSeconds) : null,
  severity: heartbeat.severity,
  state: heartbeat.state,
  last_ping_at: heartbeat.lastPingAt?.toISOString() ?? null,
  deadline: heartbeat.deadline.toISOString(),
  alert_id: heartbeat.alertId,
  created_at: heartbeat.createdAt.toISOString(),
  updated_at: heartbeat.updatedAt.toISOString(),
});
