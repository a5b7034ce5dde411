import { Router } from 'express';
import { z } from 'zod';
import { SEVERITIES } from '@klaxon/contracts';
import { ownTenant } from './service-key.middleware';
import { parseInput } from './validate';
import type { PagerDutySettings } from '../integrations/pagerduty/pagerduty.repository';
import type { PagerDutyService } from '../integrations/pagerduty/pagerduty.service';

export const pagerDutySettingsRequestSchema = z.strictObject({
  routing_key: z.string().regex(/^[A-Za-z0-9]{20,64}$/, 'the Integration Key of a PagerDuty service using Events API v2 (32 letters and digits)'),
  min_severity: z.enum(SEVERITIES).default('critical'),
});

/** What GET and PUT answer: the key masked to its last four characters, enough to tell two keys apart. */
export interface PagerDutySettingsDto {
  tenant_id: string;
  routing_key: string;
  min_severity: (typeof SEVERITIES)[number];
  updated_at: string;
}

export const toPagerDutySettingsDto = (settings: PagerDutySettings): PagerDutySettingsDto => ({
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
