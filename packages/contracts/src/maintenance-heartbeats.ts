import { z } from 'zod';
import { DEFAULT_SEVERITY, SEVERITIES, SLACK_USER_ID_PATTERN, type Severity } from './alert';
import { durationMilliseconds, type Duration } from './duration';
import { durationSchema, instantSchema } from './oncall';
import { slugSchema } from './slug';

// Bodies and answers of the maintenance and heartbeat routes (DESIGN, "On call": Maintenance and Heartbeats).

/** The longest maintenance window: a service quiet for longer than a quarter is a typo, not a plan. */
export const MAX_MAINTENANCE_DAYS = 90;
/** A reason is a line people read in Slack next to the alert it silenced. */
export const MAX_MAINTENANCE_REASON = 500;
/** The shortest heartbeat interval: pings more often than this would be a load test, not a heartbeat. */
export const SHORTEST_HEARTBEAT_INTERVAL_SECONDS = 5;

/**
 * Body of `POST /services/:tenant_id/:name/maintenance`: the service is in maintenance over `[start, end)`,
 * `start` being now when left out. `created_by` is the Slack user who opened it (the gateway passes it);
 * `api` when left out. Whether `end` is after `start` (and not past) is the backend's check, against its clock.
 */
export const maintenanceRequestSchema = z.strictObject({
  start: instantSchema.optional(),
  end: instantSchema,
  reason: z.string().trim().min(1, 'empty: leave reason out, or say why').max(MAX_MAINTENANCE_REASON, `at most ${MAX_MAINTENANCE_REASON} characters`).optional(),
  created_by: z
    .string()
    .regex(SLACK_USER_ID_PATTERN, { error: (issue) => `${JSON.stringify(issue.input)} is not a Slack user id (such as U024BE7LH)` })
    .optional(),
});
export type MaintenanceRequest = z.infer<typeof maintenanceRequestSchema>;
/** The body as sent (instants as ISO text): what the gateway posts for `/alert maintenance`. */
export type MaintenanceRequestBody = z.input<typeof maintenanceRequestSchema>;

export interface MaintenanceDto {
  id: string;
  tenant_id: string;
  service: string;
  start: string;
  /** When it ends (or ended): `ended_early_at` when it was ended early, else the planned end. */
  end: string;
  planned_end: string;
  reason: string | null;
  created_by: string;
  ended_early_at: string | null;
  /** Whether the service is in this window at the moment of the answer. */
  active: boolean;
  created_at: string;
}

export interface MaintenanceListDto {
  maintenance: MaintenanceDto[];
}

const heartbeatInterval = durationSchema.refine((duration) => durationMilliseconds(duration) >= SHORTEST_HEARTBEAT_INTERVAL_SECONDS * 1000, {
  error: `under ${SHORTEST_HEARTBEAT_INTERVAL_SECONDS}s: a heartbeat is pinged every ${SHORTEST_HEARTBEAT_INTERVAL_SECONDS}s or less often`,
});

/** Body of `PUT /heartbeats/:tenant_id/:name`; `grace` is none and `severity` high when left out. */
export const heartbeatRequestSchema = z.strictObject({
  service: slugSchema,
  interval: heartbeatInterval,
  grace: durationSchema.optional(),
  severity: z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(', ')}` }).default(DEFAULT_SEVERITY),
});
export type HeartbeatRequest = z.output<typeof heartbeatRequestSchema>;

export const HEARTBEAT_STATES = ['up', 'down'] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];

export interface HeartbeatDto {
  tenant_id: string;
  name: string;
  service: string;
  interval: string;
  /** Null: none (the alert is raised `interval` after the last ping). */
  grace: string | null;
  severity: Severity;
  state: HeartbeatState;
  last_ping_at: string | null;
  /** When it goes down unless pinged before (the last ping, or its creation, + interval + grace). */
  deadline: string;
  /** The alert raised the last time it went down; null when it never did. */
  alert_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface HeartbeatListDto {
  heartbeats: HeartbeatDto[];
}

/** `POST /heartbeats/:tenant_id/:name/ping`: the heartbeat after the ping, and the alert it resolved, if any. */
export interface HeartbeatPingDto extends HeartbeatDto {
  resolved_alert_id: string | null;
}

/** A duration in whole seconds: how heartbeats store their interval and grace. */
export const durationSeconds = (duration: Duration): number => durationMilliseconds(duration) / 1000;
