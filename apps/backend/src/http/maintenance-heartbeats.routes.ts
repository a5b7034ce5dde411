import { Router } from 'express';
import { z } from 'zod';
import { heartbeatRequestSchema, maintenanceRequestSchema, type HeartbeatPingDto, type MaintenanceListDto } from '@klaxon/contracts';
import { NotFoundError } from '../common/errors';
import type { Clock } from '../time/clock';
import type { HeartbeatRegistry } from '../oncall/heartbeat-registry';
import type { MaintenanceWindows } from '../oncall/maintenance-windows';
import { toHeartbeatDto, toMaintenanceDto } from './maintenance-heartbeats.serializer';
import { heartbeatListSchema, heartbeatPingSchema, heartbeatSchema, maintenanceListSchema, maintenanceSchema } from './maintenance-heartbeats.schemas';
import { named, namedPath, namedPathSchema, namedResourcePaths, namedResourceRoutes, oncallResponses, TENANT_PARAM } from './oncall.routes';
import { ownTenant } from './service-key.middleware';
import { parseInput, tenantPathSchema } from './validate';
import { described, json, type RouteDoc } from './openapi-kit';

/** A window's path; an `:id` that is no UUID names no window (404). */
const maintenancePathSchema = namedPathSchema.extend({ id: z.guid() });

export interface MaintenanceHeartbeatRoutesDependencies {
  maintenance: MaintenanceWindows;
  heartbeats: HeartbeatRegistry;
  clock: Clock;
}

/** Maintenance windows of services, and heartbeats (DESIGN, "On call": Maintenance and Heartbeats). */
export function maintenanceHeartbeatRouter({ maintenance, heartbeats, clock }: MaintenanceHeartbeatRoutesDependencies): Router {
  const router = Router();

  router.post('/services/:tenant_id/:name/maintenance', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const window = await maintenance.open(tenantId, name, parseInput(maintenanceRequestSchema, req.body));
    res.status(201).json(toMaintenanceDto(window, clock.now()));
  });
  router.get('/services/:tenant_id/:name/maintenance', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const now = clock.now();
    const body: MaintenanceListDto = { maintenance: (await maintenance.list(tenantId, name)).map((window) => toMaintenanceDto(window, now)) };
    res.json(body);
  });
  router.delete('/services/:tenant_id/:name/maintenance/:id', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const id = String(req.params.id);
    if (!maintenancePathSchema.shape.id.safeParse(id).success) throw new NotFoundError(`service "${name}" has no maintenance window ${id}: windows are named by the id their POST answered`);
    res.json(toMaintenanceDto(await maintenance.end(tenantId, name, id.toLowerCase()), clock.now()));
  });
  router.get('/maintenance/:tenant_id', async (req, res) => {
    const tenantId = ownTenant(res, String(req.params.tenant_id));
    const now = clock.now();
    const body: MaintenanceListDto = { maintenance: (await maintenance.listTenant(tenantId)).map((window) => toMaintenanceDto(window, now)) };
    res.json(body);
  });

  namedResourceRoutes(router, 'heartbeats', heartbeatRequestSchema, heartbeats, toHeartbeatDto);
  router.post('/heartbeats/:tenant_id/:name/ping', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const { heartbeat, resolvedAlertId } = await heartbeats.ping(tenantId, name);
    const body: HeartbeatPingDto = { ...toHeartbeatDto(heartbeat), resolved_alert_id: resolvedAlertId };
    res.json(body);
  });

  return router;
}

// The OpenAPI document of the routes above.

const servicePath = namedPath('service');

export const maintenanceHeartbeatPaths: RouteDoc[] = [
  {
    method: 'post',
    path: '/services/{tenant_id}/{name}/maintenance',
    operationId: 'openMaintenance',
    summary: 'Put a service in maintenance',
    description:
      'Alerts for the service raised in `[start, end)` are recorded (their events say so) and page nobody, and are not paged when the window ends; they can still be acknowledged and resolved. `start` is now when left out. ' +
      '422 names the field: `end` not after `start`, already past, or more than 90 days after `start`.',
    tags: ['oncall'],
    request: {
      params: servicePath,
      body: {
        required: true,
        content: { 'application/json': { schema: maintenanceRequestSchema.meta({ id: 'MaintenanceRequest' }), example: { end: '2026-12-09T14:00:00Z', reason: 'deploying 4.2' } } },
      },
    },
    responses: oncallResponses('service', { 201: json('The window, with the id to end it by.', maintenanceSchema) }, true),
  },
  {
    method: 'get',
    path: '/services/{tenant_id}/{name}/maintenance',
    operationId: 'listMaintenance',
    summary: 'A service’s maintenance windows, current and upcoming',
    tags: ['oncall'],
    request: { params: servicePath },
    responses: oncallResponses('service', { 200: json('Windows not over yet, by start.', maintenanceListSchema) }),
  },
  {
    method: 'delete',
    path: '/services/{tenant_id}/{name}/maintenance/{id}',
    operationId: 'endMaintenance',
    summary: 'End a maintenance window early',
    description: 'Ends it now: alerts raised from now on page again (an upcoming window never starts). A window already over is answered as it was.',
    tags: ['oncall'],
    request: { params: described(maintenancePathSchema, { tenant_id: TENANT_PARAM, name: 'The service’s name, unique in the tenant.', id: 'The id its POST answered.' }) },
    responses: oncallResponses('service or window', { 200: json('The window as ended.', maintenanceSchema) }),
  },
  {
    method: 'get',
    path: '/maintenance/{tenant_id}',
    operationId: 'listTenantMaintenance',
    summary: 'Every service’s maintenance windows, current and upcoming (`/alert maintenance`)',
    tags: ['oncall'],
    request: { params: described(tenantPathSchema, { tenant_id: TENANT_PARAM }) },
    responses: oncallResponses('tenant', { 200: json('Windows not over yet, by service, then start.', maintenanceListSchema) }),
  },
  ...namedResourcePaths({
    collection: 'heartbeats',
    what: 'heartbeat',
    one: 'Heartbeat',
    plural: 'Heartbeats',
    request: heartbeatRequestSchema.meta({ id: 'HeartbeatRequest' }),
    example: { service: 'payments', interval: '1m', grace: '30s', severity: 'high' },
    schema: heartbeatSchema,
    list: heartbeatListSchema,
    putDescription:
      'When no ping came for `interval` + `grace` (from the last ping, or from its creation), Klaxon raises an alert for `service` within 5 s more (dedup key `heartbeat:<name>`, severity `high` unless given); the next ping resolves it. ' +
      'A replace keeps its pings and state. 422 names the field: an interval under `5s`, a service the tenant does not have (`service`).',
    deleteDescription: 'Deletes the heartbeat; an alert it raised stays as it is.',
    inUse: false,
  }),
  {
    method: 'post',
    path: '/heartbeats/{tenant_id}/{name}/ping',
    operationId: 'pingHeartbeat',
    summary: 'Ping a heartbeat',
    description: 'It is up until `interval` + `grace` from now. A heartbeat that was down comes back up and its alert is resolved (actor `heartbeat:<name>`). No body.',
    tags: ['oncall'],
    request: { params: namedPath('heartbeat') },
    responses: oncallResponses('heartbeat', { 200: json('The heartbeat after the ping.', heartbeatPingSchema) }),
  },
];
