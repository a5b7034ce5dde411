import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  escalationPolicyRequestSchema,
  instantSchema,
  MAX_ONCALL_WINDOW_DAYS,
  overrideRequestSchema,
  scheduleRequestSchema,
  serviceRequestSchema,
  slugSchema,
  type OverrideListDto,
  type ShiftsDto,
} from '@klaxon/contracts';
import type { EscalationPolicyService } from '../oncall/escalation-policy.service';
import type { NamedStore } from '../oncall/named-store';
import type { OnCallOverview } from '../oncall/oncall-overview';
import type { ScheduleService } from '../oncall/schedule.service';
import type { ServiceCatalog } from '../oncall/service-catalog';
import { toOnCallOverviewDto, toOverrideDto, toPolicyDto, toScheduleDto, toSegmentDto, toServiceDto } from './oncall.serializer';
import { NotFoundError } from '../common/errors';
import { ownTenant } from './service-key.middleware';
import { parseInput, tenantPathSchema } from './validate';
import { described, ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
import {
  escalationPolicyListSchema,
  escalationPolicySchema,
  inUseSchema,
  onCallOverviewSchema,
  onCallSegmentSchema,
  overrideListSchema,
  overrideSchema,
  scheduleListSchema,
  scheduleSchema,
  serviceListSchema,
  serviceSchema,
  shiftsSchema,
} from './oncall.schemas';

// Query strings are strict like bodies: a misspelt filter must not silently answer something else.
const onCallQuerySchema = z.strictObject({ at: instantSchema.optional(), until: instantSchema.optional() });
const overridesQuerySchema = z.strictObject({ from: instantSchema.optional(), to: instantSchema.optional() });
const tenantOnCallQuerySchema = z.strictObject({ name: slugSchema.optional() });

/** The path of a named schedule, policy or service: `:tenant_id` (in the key's scope, see `named`) and `:name`. */
export const namedPathSchema = tenantPathSchema.extend({ name: slugSchema });
/** An override's path; an `:id` that is no UUID names no override (404), as the route says. */
const overridePathSchema = namedPathSchema.extend({ id: z.guid() });

export interface OnCallRoutesDependencies {
  schedules: ScheduleService;
  policies: EscalationPolicyService;
  services: ServiceCatalog;
  overview: OnCallOverview;
}

/** Schedules (with overrides and who is on call), escalation policies and services, each named by a slug per tenant. */
export function oncallRouter({ schedules, policies, services, overview }: OnCallRoutesDependencies): Router {
  const router = Router();

  // ── Schedules, escalation policies, services: PUT, GET, DELETE and the list alike ──
  namedResourceRoutes(router, 'schedules', scheduleRequestSchema, schedules, toScheduleDto);
  namedResourceRoutes(router, 'escalation-policies', escalationPolicyRequestSchema, policies, toPolicyDto);
  namedResourceRoutes(router, 'services', serviceRequestSchema, services, toServiceDto);

  router.post('/schedules/:tenant_id/:name/calendar-token', async (req, res) => {
    const { tenantId, name } = named(req, res);
    res.json(toScheduleDto(await schedules.replaceCalendarToken(tenantId, name)));
  });
  router.get('/schedules/:tenant_id/:name/oncall', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const query = parseInput(onCallQuerySchema, req.query, 'query');
    if (query.until === undefined) {
      res.json(toSegmentDto(await schedules.segmentAt(tenantId, name, query.at)));
      return;
    }
    const body: ShiftsDto = { shifts: (await schedules.shifts(tenantId, name, { from: query.at, until: query.until })).map(toSegmentDto) };
    res.json(body);
  });

  // ── Overrides ──
  router.post('/schedules/:tenant_id/:name/overrides', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const override = await schedules.addOverride(tenantId, name, parseInput(overrideRequestSchema, req.body));
    res.status(201).json(toOverrideDto(name, override));
  });
  router.get('/schedules/:tenant_id/:name/overrides', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const query = parseInput(overridesQuerySchema, req.query, 'query');
    const body: OverrideListDto = { overrides: (await schedules.overrides(tenantId, name, query)).map((override) => toOverrideDto(name, override)) };
    res.json(body);
  });
  router.delete('/schedules/:tenant_id/:name/overrides/:id', async (req, res) => {
    const { tenantId, name } = named(req, res);
    const id = String(req.params.id);
    if (!overridePathSchema.shape.id.safeParse(id).success) throw new NotFoundError(`schedule "${name}" has no override ${id}: overrides are named by the id their POST answered`);
    await schedules.removeOverride(tenantId, name, id.toLowerCase());
    res.status(204).end();
  });

  // ── Who is on call (`/alert oncall [name]`) ──
  router.get('/oncall/:tenant_id', async (req, res) => {
    const tenantId = ownTenant(res, String(req.params.tenant_id));
    const { name } = parseInput(tenantOnCallQuerySchema, req.query, 'query');
    res.json(toOnCallOverviewDto(await overview.now(tenantId, name ?? null)));
  });

  return router;
}

type Collection = 'schedules' | 'escalation-policies' | 'services' | 'heartbeats';

/**
 * PUT (201 created, 200 replaced), GET and DELETE (204) `/<collection>/:tenant_id/:name`, and GET
 * `/<collection>/:tenant_id`, whose list is keyed by the collection (`escalation_policies`).
 */
export function namedResourceRoutes<Body, Item>(router: Router, collection: Collection, schema: z.ZodType<Body>, store: NamedStore<Body, Item>, toDto: (item: Item) => object): void {
  router.put(`/${collection}/:tenant_id/:name`, async (req, res) => {
    const { tenantId, name } = named(req, res);
    const { saved, created } = await store.save(tenantId, name, parseInput(schema, req.body));
    res.status(created ? 201 : 200).json(toDto(saved));
  });
  router.get(`/${collection}/:tenant_id`, async (req, res) => {
    const items = await store.list(ownTenant(res, String(req.params.tenant_id)));
    res.json({ [collection.replaceAll('-', '_')]: items.map(toDto) });
  });
  router.get(`/${collection}/:tenant_id/:name`, async (req, res) => {
    const { tenantId, name } = named(req, res);
    res.json(toDto(await store.get(tenantId, name)));
  });
  router.delete(`/${collection}/:tenant_id/:name`, async (req, res) => {
    const { tenantId, name } = named(req, res);
    await store.delete(tenantId, name);
    res.status(204).end();
  });
}

/** `:tenant_id` (in the key's scope) and `:name` (a slug) of a path. */
export function named(req: Request, res: Response): { tenantId: string; name: string } {
  const tenantId = ownTenant(res, String(req.params.tenant_id));
  return { tenantId, name: parseInput(namedPathSchema.shape.name, String(req.params.name), 'name') };
}

// The OpenAPI document of the routes above (GET /openapi.json).

export const TENANT_PARAM = 'The tenant (Slack team id); a key bound to a tenant reaches only its own (404 otherwise).';
export const namedPath = (what: string) => described(namedPathSchema, { tenant_id: TENANT_PARAM, name: `The ${what}’s name, unique in the tenant.` });
const schedulePath = namedPath('schedule');

/** The answers every on-call operation shares, around its own: `what` is what a 404 did not find. */
export function oncallResponses(what: string, own: RouteDoc['responses'], body = false): RouteDoc['responses'] {
  return {
    ...own,
    ...(body ? { 400: ERRORS.invalidJson, 413: ERRORS.payloadTooLarge } : {}),
    401: ERRORS.unauthorized,
    404: errorResponse('not_found', what === 'tenant' ? 'A tenant this service key may not see.' : `No such ${what} in the tenant, or a tenant this service key may not see.`),
    422: ERRORS.invalidField,
    503: ERRORS.databaseUnavailable,
  };
}

export interface NamedResourceDoc {
  collection: Collection;
  /** As a sentence names one: `escalation policy`. */
  what: string;
  /** As operation ids name one, and many: `EscalationPolicy`, `EscalationPolicies`. */
  one: string;
  plural: string;
  request: z.ZodType;
  example: object;
  schema: z.ZodType;
  list: z.ZodType;
  putDescription: string;
  deleteDescription: string;
  /** DELETE is refused (409) while something uses it. */
  inUse: boolean;
}

/** PUT, GET, DELETE `/<collection>/{tenant_id}/{name}` and GET `/<collection>/{tenant_id}`: alike for the three kinds, as namedResourceRoutes. */
export function namedResourcePaths(doc: NamedResourceDoc): RouteDoc[] {
  const { collection, what, one } = doc;
  const whats = `${what.replace(/y$/, 'ie')}s`;
  const params = namedPath(what);
  const path = `/${collection}/{tenant_id}/{name}`;
  return [
    {
      method: 'get',
      path: `/${collection}/{tenant_id}`,
      operationId: `list${doc.plural}`,
      summary: `List a tenant’s ${whats}`,
      tags: ['oncall'],
      request: { params: described(tenantPathSchema, { tenant_id: TENANT_PARAM }) },
      responses: oncallResponses('tenant', { 200: json(`The tenant’s ${whats}, by name.`, doc.list) }),
    },
    {
      method: 'put',
      path,
      operationId: `put${one}`,
      summary: `Create or replace a ${what}`,
      description: doc.putDescription,
      tags: ['oncall'],
      request: { params, body: { required: true, content: { 'application/json': { schema: doc.request, example: doc.example } } } },
      responses: oncallResponses(what, { 200: json(`Replaced: the ${what} as stored.`, doc.schema), 201: json(`Created: the ${what} as stored.`, doc.schema) }, true),
    },
    {
      method: 'get',
      path,
      operationId: `get${one}`,
      summary: `Show a ${what}`,
      tags: ['oncall'],
      request: { params },
      responses: oncallResponses(what, { 200: json(`The ${what}.`, doc.schema) }),
    },
    {
      method: 'delete',
      path,
      operationId: `delete${one}`,
      summary: `Delete a ${what}`,
      description: doc.deleteDescription,
      tags: ['oncall'],
      request: { params },
      responses: oncallResponses(what, {
        204: { description: 'Deleted.' },
        ...(doc.inUse ? { 409: json('Still used; nothing was deleted. `used_by` names the users.', inUseSchema) } : {}),
      }),
    },
  ];
}

export const oncallPaths: RouteDoc[] = [
  ...namedResourcePaths({
    collection: 'schedules',
    what: 'schedule',
    one: 'Schedule',
    plural: 'Schedules',
    request: scheduleRequestSchema.meta({ id: 'ScheduleRequest' }),
    example: {
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'weekly', members: ['U024BE7LH', 'U024BE7LJ'], shift: '1w', handoff: '2026-12-07T09:00' },
        { name: 'office-hours', members: ['U024BE7LK'], shift: '1d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
      ],
    },
    schema: scheduleSchema,
    list: scheduleListSchema,
    putDescription:
      'Layers of rotations in `time_zone`: `members[0]` takes over at `handoff` (wall-clock time), and every `shift` later the next member, round and round. Day and week shifts keep the wall-clock hand-off across daylight saving (09:00 stays 09:00); hour shifts count elapsed hours; shifts are at least `1h` and never mix days with hours. ' +
      '`restrict` puts a layer on duty only in its windows `[from, to)` (`to` ≤ `from` runs past midnight). At any instant the last layer on duty answers, and an override beats every layer. ' +
      'A replace keeps the overrides and the calendar URL. 422 names the field: an unknown zone, a zero or mixed shift, a member that is not a Slack user id, a hand-off that is no wall-clock time.',
    deleteDescription: 'Deletes the schedule and its overrides; its calendar URL stops working. Refused (409) while an escalation policy names it.',
    inUse: true,
  }),
  {
    method: 'post',
    path: '/schedules/{tenant_id}/{name}/calendar-token',
    operationId: 'replaceScheduleCalendarToken',
    summary: 'Give a schedule a new calendar URL',
    description: 'A new random token: the old `ical_url` stops working at once (for a URL that leaked).',
    tags: ['oncall'],
    request: { params: schedulePath },
    responses: oncallResponses('schedule', { 200: json('The schedule with its new `ical_url`.', scheduleSchema) }),
  },
  {
    method: 'get',
    path: '/schedules/{tenant_id}/{name}/oncall',
    operationId: 'getScheduleOnCall',
    summary: 'Who is on call at an instant, or the shifts of a window',
    description: `Without \`until\`: the segment holding \`at\` (now when left out), i.e. the longest interval around it with the same person from the same source (followed at most ${MAX_ONCALL_WINDOW_DAYS} days either way). With \`until\`: the segments tiling \`[at, until)\`, at most ${MAX_ONCALL_WINDOW_DAYS} days; nobody on call is a segment with \`person\` null.`,
    tags: ['oncall'],
    request: {
      params: schedulePath,
      query: described(onCallQuerySchema, {
        at: 'An ISO 8601 instant with its offset; now when left out.',
        until: `End of the window (exclusive), after \`at\` and at most ${MAX_ONCALL_WINDOW_DAYS} days later.`,
      }),
    },
    responses: oncallResponses('schedule', { 200: json('The segment holding `at`, or (with `until`) the shifts.', z.union([onCallSegmentSchema, shiftsSchema])) }),
  },
  {
    method: 'post',
    path: '/schedules/{tenant_id}/{name}/overrides',
    operationId: 'createOverride',
    summary: 'Put someone on call over a schedule’s layers',
    description:
      '`person` is on call for `[start, end)` whatever the layers say, at once (it counts from `start`, past or future). Where overrides overlap, the one created last wins. 422 names the field: `end` not after `start`, a person that is not a Slack user id.',
    tags: ['oncall'],
    request: {
      params: schedulePath,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: overrideRequestSchema.meta({ id: 'OverrideRequest' }),
            example: { person: 'U024BE7LJ', start: '2026-12-24T18:00:00+01:00', end: '2026-12-26T09:00:00+01:00' },
          },
        },
      },
    },
    responses: oncallResponses('schedule', { 201: json('The override, with the id to delete it by.', overrideSchema) }, true),
  },
  {
    method: 'get',
    path: '/schedules/{tenant_id}/{name}/overrides',
    operationId: 'listOverrides',
    summary: 'List a schedule’s overrides in a window',
    tags: ['oncall'],
    request: {
      params: schedulePath,
      query: described(overridesQuerySchema, {
        from: 'Overrides that end after this; now when left out.',
        to: `Overrides that start before this; \`from\` + ${MAX_ONCALL_WINDOW_DAYS} days when left out.`,
      }),
    },
    responses: oncallResponses('schedule', { 200: json('The overrides overlapping `[from, to)`, in the order they were created.', overrideListSchema) }),
  },
  {
    method: 'delete',
    path: '/schedules/{tenant_id}/{name}/overrides/{id}',
    operationId: 'deleteOverride',
    summary: 'Delete an override',
    tags: ['oncall'],
    request: { params: described(overridePathSchema, { tenant_id: TENANT_PARAM, name: 'The schedule’s name, unique in the tenant.', id: 'The id its POST answered.' }) },
    responses: oncallResponses('schedule or override', { 204: { description: 'Deleted: the layers answer again for its time.' } }),
  },
  ...namedResourcePaths({
    collection: 'escalation-policies',
    what: 'escalation policy',
    one: 'EscalationPolicy',
    plural: 'EscalationPolicies',
    request: escalationPolicyRequestSchema.meta({ id: 'EscalationPolicyRequest' }),
    example: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '10m' }, { targets: [{ person: 'U024BE7LK' }], escalate_after: '15m' }], repeat: 1 },
    schema: escalationPolicySchema,
    list: escalationPolicyListSchema,
    putDescription:
      'A step pages its targets (a schedule: whoever is on call when the step fires; or a person); if the alert is still triggered `escalate_after` later (at least `5s`), the next step fires; after the last, all the steps run again `repeat` times. ' +
      'A step naming a schedule the tenant does not have is a 422 naming it (`steps[0].targets[1].schedule`).',
    deleteDescription: 'Refused (409) while a service pages through it.',
    inUse: true,
  }),
  ...namedResourcePaths({
    collection: 'services',
    what: 'service',
    one: 'Service',
    plural: 'Services',
    request: serviceRequestSchema.meta({ id: 'ServiceRequest' }),
    example: { escalation_policy: 'payments-escalation', slack_channel: 'C024BE91L', slack_usergroup: 'S0614TZR7' },
    schema: serviceSchema,
    list: serviceListSchema,
    putDescription:
      'What people page by name: its escalation policy (the tenant’s, or a 422 naming `escalation_policy`), the channel its alerts go to, and the Slack user group that pages it (one service per group, or a 422 naming `slack_usergroup`).',
    deleteDescription: 'Deletes the service and its maintenance windows; its policy stays. Refused (409) while a heartbeat raises its alerts for it.',
    inUse: true,
  }),
  {
    method: 'get',
    path: '/oncall/{tenant_id}',
    operationId: 'getOnCallOverview',
    summary: 'Who is on call now, per service (`/alert oncall [name]`)',
    description:
      'Per service: the step a page would reach first (the first whose targets find someone on call) and, for each of its targets, who is on call, until when and who is next. ' +
      'With `name`: that service, or else that schedule (404 when neither). Without: every service, or every schedule while the tenant has no services.',
    tags: ['oncall'],
    request: {
      params: described(tenantPathSchema, { tenant_id: TENANT_PARAM }),
      query: described(tenantOnCallQuerySchema, { name: 'A service’s or schedule’s name.' }),
    },
    responses: oncallResponses('service or schedule', { 200: json('Who is on call now.', onCallOverviewSchema) }),
  },
];
