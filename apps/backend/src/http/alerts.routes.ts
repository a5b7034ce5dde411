import { Router } from 'express';
import { z } from 'zod';
import { createAlertRequestSchema, DEFAULT_SEVERITY, tenantIdSchema } from '@klaxon/contracts';
import type { AlertService } from '../alerts/alert.service';
import { NotFoundError, ValidationError } from '../errors';
import type { BackendMetrics } from '../metrics';
import { toAlertDto } from './alert.serializer';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const listQuerySchema = z.object({
  tenant_id: tenantIdSchema.optional(),
  limit: z.coerce.number().int('a whole number').min(1, 'from 1 to 200').max(200, 'from 1 to 200').default(50),
});

export function alertsRouter({ alerts, metrics }: { alerts: AlertService; metrics: BackendMetrics }): Router {
  const router = Router();

  router.post('/alert', async (req, res) => {
    const body = parseInput(createAlertRequestSchema, req.body);
    const caller = callerOf(res);
    if (caller.tenantId !== null && body.tenant_id !== caller.tenantId) {
      throw new ValidationError(`tenant_id: this service key may only raise alerts for tenant ${caller.tenantId}`);
    }
    const { alert, outcome } = await alerts.raise({
      tenantId: body.tenant_id,
      severity: body.severity ?? DEFAULT_SEVERITY,
      message: body.message,
      ruleName: body.rule_name ?? null,
      source: body.source ?? (body.slack ? 'slack' : 'api'),
      dedupKey: body.dedup_key ?? null,
      requestId: res.locals.requestId as string,
      slackChannelId: body.slack?.channel_id ?? null,
      slackUserId: body.slack?.user_id ?? null,
      slackResponseUrl: body.slack?.response_url ?? null,
      targets: body.targets.map((t) => ({
        slackUserId: 'slack_user_id' in t ? t.slack_user_id : null,
        phone: 'phone' in t ? t.phone : null,
      })),
    });
    if (outcome === 'created') metrics.alertsRaised.inc({ severity: alert.severity, source: alert.source });
    // A replayed request id answers exactly as the first time did.
    res.status(201).json(toAlertDto(alert));
  });

  router.get('/alerts', async (req, res) => {
    const query = parseInput(listQuerySchema, req.query, 'query');
    const caller = callerOf(res);
    const tenantId = query.tenant_id ?? caller.tenantId;
    if (!tenantId) throw new ValidationError('tenant_id: required (the Slack team id or tenant slug whose alerts to list)');
    if (caller.tenantId !== null && tenantId !== caller.tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
    const list = await alerts.list({ tenantId, limit: query.limit });
    res.json({ alerts: list.map(toAlertDto) });
  });

  router.get('/alerts/:id', async (req, res) => {
    const id = req.params.id;
    if (!UUID.test(id)) throw new NotFoundError(`no alert with id ${id}`);
    res.json(toAlertDto(await alerts.get(id, callerOf(res))));
  });

  return router;
}
