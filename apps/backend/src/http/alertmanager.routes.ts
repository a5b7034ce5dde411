import { Router } from 'express';
import { z } from 'zod';
import { slackChannelIdSchema, tenantIdSchema } from '@klaxon/contracts';
import type { RequestedTarget } from '../alerts/alert';
import { ForbiddenError, RateLimitedError, ValidationError } from '../errors';
import { PageListError, parsePageList } from '../integrations/alertmanager';
import type { AlertmanagerService, HandledAlert } from '../integrations/alertmanager.service';
import type { BackendMetrics } from '../metrics';
import type { PagingLimiter } from './paging-rate-limit';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

// Exported so the OpenAPI document derives its parameters and body from what the route validates.
export const alertmanagerQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema,
  page: z.string().min(1).max(1000).optional(),
  channel: slackChannelIdSchema.optional(),
});

const labels = z.record(z.string(), z.string());

const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(200),
});

/**
 * Alertmanager's webhook payload, version 4. Not strict: a later Alertmanager may add fields, and what
 * Klaxon reads is checked field by field.
 */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'must be "4": Klaxon reads Alertmanager’s webhook payload version 4 (Alertmanager 0.x sends it)' }),
  groupKey: z.string().min(1).max(4000),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(200),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertmanagerAlertSchema).min(1, 'at least one alert').max(1000),
});

export interface AlertmanagerHandledDto {
  alert_id: string;
  number: number;
  status: string;
  /** The fingerprint, or a summary's group key. */
  dedup_key: string;
}

export interface AlertmanagerWebhookDto {
  raised: AlertmanagerHandledDto[];
  recorded: AlertmanagerHandledDto[];
  summaries: AlertmanagerHandledDto[];
  deduplicated: AlertmanagerHandledDto[];
  resolved: AlertmanagerHandledDto[];
  not_open: string[];
}

const handled = (items: HandledAlert[]): AlertmanagerHandledDto[] =>
  items.map(({ alert, dedupKey }) => ({ alert_id: alert.id, number: alert.number, status: alert.status, dedup_key: dedupKey }));

function pageParameter(list: string): RequestedTarget[] {
  try {
    return parsePageList(list);
  } catch (error) {
    if (error instanceof PageListError) throw new ValidationError(`page: ${error.message}`);
    throw error;
  }
}

export function alertmanagerRouter({ alertmanager, metrics, limiter }: { alertmanager: AlertmanagerService; metrics: BackendMetrics; limiter: PagingLimiter }): Router {
  const router = Router();

  router.post('/integrations/alertmanager', async (req, res) => {
    const query = parseInput(alertmanagerQuerySchema, req.query, 'query');
    // The key's tenant scope before the body, as for POST /alert: a bound key learns nothing of another tenant.
    const caller = callerOf(res);
    if (caller.tenantId !== null && caller.tenantId !== query.tenant_id) {
      throw new ForbiddenError(`tenant_id: this service key is bound to tenant ${caller.tenantId} and may only raise alerts for it`);
    }
    const defaultTargets = query.page === undefined ? null : pageParameter(query.page);
    const payload = parseInput(alertmanagerPayloadSchema, req.body);
    const outcome = await alertmanager.receive({
      tenantId: query.tenant_id,
      payload,
      defaultTargets,
      slackChannelId: query.channel ?? null,
      admit: async (pages) => {
        try {
          await limiter.charge(query.tenant_id, pages);
        } catch (error) {
          if (error instanceof RateLimitedError && error.retryAfterSeconds !== null) res.setHeader('Retry-After', String(error.retryAfterSeconds));
          throw error;
        }
      },
    });
    for (const { alert } of [...outcome.raised, ...outcome.recorded, ...outcome.summaries]) {
      metrics.alertsRaised.inc({ severity: alert.severity, origin: alert.origin });
    }
    const body: AlertmanagerWebhookDto = {
      raised: handled(outcome.raised),
      recorded: handled(outcome.recorded),
      summaries: handled(outcome.summaries),
      deduplicated: handled(outcome.deduplicated),
      resolved: handled(outcome.resolved),
      not_open: outcome.notOpen,
    };
    res.json(body);
  });

  return router;
}
