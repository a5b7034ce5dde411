import { Router } from 'express';
import { z } from 'zod';
import { configProblemsOf, oncallConfigSchema, type OnCallConfigDto, type OnCallPlanDto } from '@klaxon/contracts';
import { ConfigRefusedError, type OnCallConfigService } from '../oncall/oncall-config.service';
import { ownTenant } from './service-key.middleware';
import { parseInput, tenantPathSchema } from './validate';
import { described, ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
import { configRefusedSchema, oncallConfigDocumentSchema, oncallPlanSchema } from './oncall-config.schemas';

// Config as code (docs/oncall.md): a tenant's schedules, escalation policies and services as one document,
// read whole and applied whole in one transaction. `npm run oncall` is the client.

const applyQuerySchema = z.strictObject({
  dry_run: z.enum(['true', 'false'], 'true or false').optional(),
  prune: z.enum(['true', 'false'], 'true or false').optional(),
});

export function oncallConfigRouter({ config }: { config: OnCallConfigService }): Router {
  const router = Router();

  router.get('/oncall-config/:tenant_id', async (req, res) => {
    const body: OnCallConfigDto = await config.export(ownTenant(res, String(req.params.tenant_id)));
    res.json(body);
  });

  router.post('/oncall-config/:tenant_id', async (req, res) => {
    const tenantId = ownTenant(res, String(req.params.tenant_id));
    const query = parseInput(applyQuerySchema, req.query, 'query');
    // Every problem of the document at once, each by its path, as the CLI shows them (not the first five).
    const parsed = oncallConfigSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new ConfigRefusedError(configProblemsOf(parsed.error));
    const body: OnCallPlanDto = await config.apply(tenantId, parsed.data, { dryRun: query.dry_run === 'true', prune: query.prune === 'true' });
    res.json(body);
  });

  return router;
}

// The OpenAPI document of the routes above (GET /openapi.json).

const tenantPath = described(tenantPathSchema, { tenant_id: 'The tenant (Slack team id); a key bound to a tenant reaches only its own (404 otherwise).' });
const common = {
  401: ERRORS.unauthorized,
  404: errorResponse('not_found', 'A tenant this service key may not see.'),
  503: ERRORS.databaseUnavailable,
} satisfies RouteDoc['responses'];

export const oncallConfigPaths: RouteDoc[] = [
  {
    method: 'get',
    path: '/oncall-config/{tenant_id}',
    operationId: 'exportOnCallConfig',
    summary: 'Export a tenant’s on-call setup as one document',
    description:
      'Every schedule, escalation policy and service of the tenant in canonical form (durations and zones as stored, every layer named, optional fields left out), names in code-point order: the same setup always gives the same document, and posting it back changes nothing. Overrides are not config and are not included. `npm run oncall -- export` writes it as YAML.',
    tags: ['oncall'],
    request: { params: tenantPath },
    responses: { 200: json('The tenant’s on-call setup; every section present, empty when it has none.', oncallConfigDocumentSchema), 422: ERRORS.invalidField, ...common },
  },
  {
    method: 'post',
    path: '/oncall-config/{tenant_id}',
    operationId: 'applyOnCallConfig',
    summary: 'Apply an on-call document to a tenant (or plan it)',
    description:
      'Creates and replaces the schedules, escalation policies and services the document names, in one transaction: all of it or nothing. ' +
      'A section left out is not touched. In a section given, a stored object the document lacks is kept (listed in `kept`) unless `prune=true`, which deletes it; a delete of what a policy or service still uses (one the document does not manage) is refused. ' +
      'Each object is validated as its PUT route validates it, and every link (a policy’s schedules, a service’s policy, one service per user group) must hold once applied; 422 lists each problem by its path (`schedules.payments.layers[0].shift`). ' +
      'With `dry_run=true` the same apply runs and is rolled back: the plan, nothing written. Overrides and calendar URLs of replaced schedules are kept.',
    tags: ['oncall'],
    request: {
      params: tenantPath,
      query: described(applyQuerySchema, {
        dry_run: '`true`: plan only, write nothing.',
        prune: '`true`: delete the stored objects of each section the document has that it does not name.',
      }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: oncallConfigSchema.meta({ id: 'OnCallConfigRequest' }),
            example: {
              schedules: { payments: { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U024BE7LH', 'U024BE7LJ'], shift: '1w', handoff: '2026-12-07T09:00' }] } },
              escalation_policies: { 'payments-escalation': { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '10m' }], repeat: 1 } },
              services: { payments: { escalation_policy: 'payments-escalation', slack_channel: 'C024BE91L' } },
            },
          },
        },
      },
    },
    responses: {
      200: json('The plan: what was applied, or with `dry_run` what would be.', oncallPlanSchema),
      400: ERRORS.invalidJson,
      413: ERRORS.payloadTooLarge,
      422: json('A field of the document, a link, the query or the tenant is invalid; nothing was written.', configRefusedSchema),
      ...common,
    },
  },
];
