import { Router } from 'express';
import { z } from 'zod';
import { SEVERITIES } from '@klaxon/contracts';
import { ownTenant } from './service-key.middleware';
import { parseInput, tenantPathSchema } from './validate';
import { described, ERRORS, json, timestamp, type RouteDoc } from './openapi-kit';
import type { PagerDutySettings } from '../integrations/pagerduty/pagerduty.repository';
import type { PagerDutyService } from '../integrations/pagerduty/pagerduty.service';

const pagerDutySettingsRequestSchema = z.strictObject({
  routing_key: z.string().regex(/^[A-Za-z0-9]{20,64}$/, 'the Integration Key of a PagerDuty service using Events API v2 (32 letters and digits)'),
  min_severity: z.enum(SEVERITIES).default('critical'),
});

/** What GET and PUT answer: the key masked to its last four characters, enough to tell two keys apart. */
const pagerDutySettingsSchema = z
  .strictObject({
    tenant_id: z.string(),
    routing_key: z.string().describe('Masked: only the last four characters are shown.'),
    min_severity: z.enum(SEVERITIES).describe('Alerts of this severity or above are sent to PagerDuty.'),
    updated_at: timestamp('When the settings were last written.'),
  })
  .meta({ id: 'PagerDutySettings', description: 'A tenant’s PagerDuty Events API v2 settings.' });
type PagerDutySettingsDto = z.infer<typeof pagerDutySettingsSchema>;

const toPagerDutySettingsDto = (settings: PagerDutySettings): PagerDutySettingsDto => ({
  tenant_id: settings.tenantId,
  routing_key: `${'*'.repeat(Math.max(0, settings.routingKey.length - 4))}${settings.routingKey.slice(-4)}`,
  min_severity: settings.minSeverity,
  updated_at: settings.updatedAt.toISOString(),
});

export function pagerDutyRouter({ pagerDuty }: { pagerDuty: PagerDutyService }): Router {
  const router = Router();

  router.put('/integrations/pagerduty/:tenant_id', async (req, res) => {
    const tenantId = ownTenant(res, String(req.params.tenant_id));
    const body = parseInput(pagerDutySettingsRequestSchema, req.body);
    res.json(toPagerDutySettingsDto(await pagerDuty.configure(tenantId, body.routing_key, body.min_severity)));
  });

  router.get('/integrations/pagerduty/:tenant_id', async (req, res) => {
    const tenantId = ownTenant(res, String(req.params.tenant_id));
    res.json(toPagerDutySettingsDto(await pagerDuty.settings(tenantId)));
  });

  return router;
}

const PAGERDUTY_PATH = '/integrations/pagerduty/{tenant_id}';

export const pagerDutyPaths: RouteDoc[] = [
  {
    method: 'put',
    path: PAGERDUTY_PATH,
    operationId: 'setPagerDuty',
    summary: 'Send a tenant’s serious alerts to PagerDuty',
    description:
      'An alert of `min_severity` or above (default `critical`) is sent to PagerDuty’s Events API v2 as a `trigger` event (dedup key: the alert id; severity critical→critical, high→error, medium→warning, low→info), and its acknowledgement and resolution follow as `acknowledge` and `resolve`. ' +
      'Sent by durable jobs: 429, 5xx and timeouts are retried with backoff, a 400 is not and is said in the alert’s Slack thread and its events. Replaces earlier settings.',
    tags: ['integrations'],
    request: {
      params: described(tenantPathSchema, { tenant_id: 'The tenant; a key bound to a tenant may set only its own.' }),
      body: {
        required: true,
        content: { 'application/json': { schema: pagerDutySettingsRequestSchema.meta({ id: 'PagerDutySettingsRequest' }), example: { routing_key: 'R0123456789abcdef0123456789ABCDE', min_severity: 'high' } } },
      },
    },
    responses: {
      200: json('The settings as stored, key masked.', pagerDutySettingsSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.unauthorized,
      404: ERRORS.notFound,
      413: ERRORS.payloadTooLarge,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  },
  {
    method: 'get',
    path: PAGERDUTY_PATH,
    operationId: 'getPagerDuty',
    summary: 'Show a tenant’s PagerDuty settings (key masked)',
    tags: ['integrations'],
    request: { params: described(tenantPathSchema, { tenant_id: 'The tenant; a key bound to a tenant may read only its own.' }) },
    responses: {
      200: json('The settings, key masked.', pagerDutySettingsSchema),
      401: ERRORS.unauthorized,
      404: ERRORS.notFound,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  },
];
