import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  escalationPolicyRequestSchema,
  instantSchema,
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
import { UUID } from './alerts.routes';
import { NotFoundError } from '../common/errors';
import { ownTenant } from './service-key.middleware';
import { parseInput } from './validate';

// Query strings are strict like bodies; exported so the OpenAPI document derives its parameters from them.
export const onCallQuerySchema = z.strictObject({ at: instantSchema.optional(), until: instantSchema.optional() });
export const overridesQuerySchema = z.strictObject({ from: instantSchema.optional(), to: instantSchema.optional() });
export const tenantOnCallQuerySchema = z.strictObject({ name: slugSchema.optional() });

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
    if (!UUID.test(id)) throw new NotFoundError(`schedule "${name}" has no override ${id}: overrides are named by the id their POST answered`);
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

type Collection = 'schedules' | 'escalation-policies' | 'services';

/**
 * PUT (201 created, 200 replaced), GET and DELETE (204) `/<collection>/:tenant_id/:name`, and GET
 * `/<collection>/:tenant_id`, whose list is keyed by the collection (`escalation_policies`).
 */
function namedResourceRoutes<Body, Item>(router: Router, collection: Collection, schema: z.ZodType<Body>, store: NamedStore<Body, Item>, toDto: (item: Item) => object): void {
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
function named(req: Request, res: Response): { tenantId: string; name: string } {
  const tenantId = ownTenant(res, String(req.params.tenant_id));
  return { tenantId, name: parseInput(slugSchema, String(req.params.name), 'name') };
}
