import { z } from 'zod';
import {
  HEARTBEAT_STATES,
  SEVERITIES,
  SLACK_USER_ID_PATTERN,
  slugSchema,
  type HeartbeatDto,
  type HeartbeatListDto,
  type HeartbeatPingDto,
  type MaintenanceDto,
  type MaintenanceListDto,
} from '@klaxon/contracts';
import { bodyOf, timestamp } from './openapi-kit';

// The bodies the maintenance and heartbeat routes answer with, for the OpenAPI document; each must match its DTO.

export const maintenanceSchema = bodyOf<MaintenanceDto>()(
  z
    .strictObject({
      id: z.guid().describe('The window’s id: DELETE …/maintenance/{id} ends it early.'),
      tenant_id: z.string(),
      service: slugSchema,
      start: timestamp('Start of the window (inclusive).'),
      end: timestamp('End of the window (exclusive): the early end when it was ended early, else the planned end.'),
      planned_end: timestamp('The end it was opened with.'),
      reason: z.string().nullable().describe('Why, as given; null when none was.'),
      created_by: z.union([z.string().regex(SLACK_USER_ID_PATTERN), z.literal('api')]).describe('The Slack user who opened it, or `api`.'),
      ended_early_at: z.iso.datetime().nullable().describe('When it was ended early (DELETE, `/alert maintenance … end`); null otherwise.'),
      active: z.boolean().describe('Whether the service is in this window at the moment of the answer.'),
      created_at: timestamp('When it was opened.'),
    })
    .meta({ id: 'Maintenance', description: 'A maintenance window: alerts for the service raised in `[start, end)` are recorded and page nobody.' }),
);

export const maintenanceListSchema = bodyOf<MaintenanceListDto>()(
  z.strictObject({ maintenance: z.array(maintenanceSchema).describe('Windows not over yet: the current one, then the upcoming ones, by start.') }).meta({ id: 'MaintenanceList' }),
);

const heartbeatFields = {
  tenant_id: z.string(),
  name: slugSchema,
  service: slugSchema.describe('The service whose alert a missed heartbeat raises.'),
  interval: z.string().describe('How often it is expected, canonical (`1m`).'),
  grace: z.string().nullable().describe('How much later than `interval` a ping may come; null: none.'),
  severity: z.enum(SEVERITIES).describe('The severity of its alert.'),
  state: z.enum(HEARTBEAT_STATES).describe('`down` from a missed deadline to the next ping.'),
  last_ping_at: z.iso.datetime().nullable().describe('Its last ping; null: never pinged.'),
  deadline: timestamp('When it goes down unless pinged before: the last ping (or its creation) + interval + grace.'),
  alert_id: z.guid().nullable().describe('The alert raised the last time it went down; null when it never did.'),
  created_at: timestamp('When the heartbeat was created.'),
  updated_at: timestamp('When it was last replaced.'),
};

export const heartbeatSchema = bodyOf<HeartbeatDto>()(
  z.strictObject(heartbeatFields).meta({ id: 'Heartbeat', description: 'A dead man’s switch: when no ping came for interval + grace, its service’s alert is raised.' }),
);

export const heartbeatListSchema = bodyOf<HeartbeatListDto>()(z.strictObject({ heartbeats: z.array(heartbeatSchema).describe('By name.') }).meta({ id: 'HeartbeatList' }));

export const heartbeatPingSchema = bodyOf<HeartbeatPingDto>()(
  z
    .strictObject({ ...heartbeatFields, resolved_alert_id: z.guid().nullable().describe('The alert this ping resolved (the heartbeat was down); null otherwise.') })
    .meta({ id: 'HeartbeatPing', description: 'The heartbeat after the ping.' }),
);
