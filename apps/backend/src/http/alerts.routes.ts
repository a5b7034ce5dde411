import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  ALERT_STATUSES,
  createAlertRequestSchema,
  DEFAULT_SEVERITY,
  SEVERITIES,
  slackAlertRequestSchema,
  tenantIdSchema,
  transitionRequestSchema,
  type AlertDto,
  type AlertListDto,
  type AlertOrigin,
} from '@klaxon/contracts';
import type { Alert } from '../alerts/alert';
import type { AlertAction } from '../alerts/alert-state';
import type { Delivery } from '../notify/delivery.repository';
import type { AlertRef, AlertService } from '../alerts/alert.service';
import { ForbiddenError, NotFoundError, ValidationError } from '../common/errors';
import type { BackendMetrics } from '../observe/metrics';
import { toAlertDto, toAlertEventsDto, toAlertStatsDto } from '../views/alert-view';
import { decodeCursor, encodeCursor } from './cursor';
import { pageOf, type PagingLimiter } from './paging-rate-limit';
import { callerOf, gatewayOnly } from './service-key.middleware';
import { parseInput } from './validate';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ALERT_NUMBER = /^#?([1-9][0-9]{0,9})$/;
const MAX_ALERT_NUMBER = 2_147_483_647;

// Query strings are strict like bodies: a misspelt filter must not silently return everything.
// Exported so the OpenAPI document derives its query parameters from them.
export const listQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
  status: z.enum(ALERT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  since: z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp such as 2026-11-23T10:00:00Z' }).optional(),
  limit: z.coerce.number().int('a whole number').min(1, 'from 1 to 200').max(200, 'from 1 to 200').default(50),
  cursor: z.string().max(100).optional(),
});
export const alertQuerySchema = z.strictObject({ tenant_id: tenantIdSchema.optional() });

/** The deliveries of these alerts that providers reported on, for the receipts each target shows. */
export type ReceiptsLoader = (alertIds: readonly string[]) => Promise<Map<string, Delivery[]>>;

export function alertsRouter({ alerts, metrics, limiter, receipts }: { alerts: AlertService; metrics: BackendMetrics; limiter: PagingLimiter; receipts: ReceiptsLoader }): Router {
  const withReceipts = async (list: readonly Alert[]): Promise<AlertDto[]> => {
    const reported = await receipts(list.map((a) => a.id));
    return list.map((a) => toAlertDto(a, reported.get(a.id)));
  };
  const router = Router();

  // The origin is the route's, never the body's: only text that came through Slack is posted as Slack markup.
  const raise = async (origin: AlertOrigin, res: Response) => {
    const body = pageOf(res);
    const limits = await limiter.budgetOf(res);
    const raised = alerts.raise({
      tenantId: body.tenant_id,
      severity: body.severity ?? DEFAULT_SEVERITY,
      message: body.message,
      ruleName: body.rule_name ?? null,
      source: body.source ?? null,
      origin,
      dedupKey: body.dedup_key ?? null,
      requestId: res.locals.requestId as string,
      freshRequestId: res.locals.requestIdMadeHere === true,
      slackChannelId: body.slack?.channel_id ?? null,
      slackUserId: body.slack?.user_id ?? null,
      slackResponseUrl: body.slack?.response_url ?? null,
      targets: body.targets.map((t) => ('slack_user_id' in t ? { slackUserId: t.slack_user_id } : { phone: t.phone })),
      limits,
    });
    const { alert, outcome } = await raised.catch((error: unknown) => {
      throw limiter.refusal(error, res);
    });
    if (outcome === 'created') metrics.alertsRaised.inc({ severity: alert.severity, origin: alert.origin });
    // A replayed request id answers as the first time did; a dedup hit is the existing alert, not a new one.
    res.status(outcome === 'deduplicated' ? 200 : 201).json(toAlertDto(alert));
  };

  // One set of counters for both routes (and Alertmanager's): a page counts once against its user and tenant, however it came.
  const limited = limiter.middleware;
  const admit = (schema: PageSchema) => admitPage(schema, alerts);
  router.post('/alert', admit(createAlertRequestSchema), ...limited, async (_req, res) => {
    await raise('api', res);
  });

  // The gateway's forward of `/alert` typed in Slack. Private: only an internal key (bound to no tenant) may
  // use it, since what it accepts is posted to Slack as markup. See the README's security section.
  router.post('/slack/alert', gatewayOnly('POST /slack/alert', 'raises alerts with POST /alert'), admit(slackAlertRequestSchema), ...limited, async (_req, res) => {
    await raise('slack', res);
  });

  router.get('/alerts', async (req, res) => {
    const query = parseInput(listQuerySchema, req.query, 'query');
    const tenantId = tenantOf(res, query.tenant_id);
    const beforeNumber = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await alerts.list({
      tenantId,
      status: query.status,
      severity: query.severity,
      since: query.since === undefined ? undefined : new Date(query.since),
      beforeNumber,
      limit: query.limit + 1,
    });
    const shown = page.slice(0, query.limit);
    const body: AlertListDto = {
      alerts: await withReceipts(shown),
      next_cursor: page.length > query.limit ? encodeCursor(shown[shown.length - 1]!.number) : null,
    };
    res.json(body);
  });

  router.get('/alerts/:ref', async (req, res) => {
    res.json((await withReceipts([await alerts.get(alertRefOf(req, res), callerOf(res))]))[0]);
  });

  router.get('/alerts/:ref/events', async (req, res) => {
    const { alert, events } = await alerts.events(alertRefOf(req, res), callerOf(res));
    res.json(toAlertEventsDto(alert, events));
  });

  for (const action of ['acknowledge', 'resolve'] as const satisfies readonly AlertAction[]) {
    router.put(`/alerts/:ref/${action}`, async (req, res) => {
      const ref = alertRefOf(req, res);
      const body = parseInput(transitionRequestSchema, req.body);
      const alert = await alerts.transition(ref, action, { actor: body.actor ?? 'api', note: body.note ?? null }, callerOf(res));
      metrics.alertTransitions.inc({ action });
      res.json(toAlertDto(alert));
    });
  }

  router.get('/stats/:tenant_id', async (req, res) => {
    const tenantId = tenantOf(res, parseInput(z.object({ tenant_id: tenantIdSchema }), req.params, 'path').tenant_id);
    res.json(toAlertStatsDto(tenantId, await alerts.stats(tenantId)));
  });

  return router;
}

type PageSchema = typeof createAlertRequestSchema | typeof slackAlertRequestSchema;

/**
 * Checks a raise before anything is counted: the key's tenant scope first (a key bound to one tenant
 * cannot use up another tenant's limits, nor learn how its body would be judged), then the body, then the
 * Slack channel it names. The limiters that follow key on the validated body only.
 */
const admitPage =
  (schema: PageSchema, alerts: AlertService): RequestHandler =>
  async (req, res, next) => {
    const caller = callerOf(res);
    const named = (req.body as { tenant_id?: unknown } | undefined)?.tenant_id;
    if (caller.tenantId !== null && named !== undefined && named !== caller.tenantId) {
      throw new ForbiddenError(`tenant_id: this service key is bound to tenant ${caller.tenantId} and may only raise alerts for it`);
    }
    const page = parseInput(schema, req.body);
    if (page.slack) await alerts.checkSlackChannel(caller, page.tenant_id, page.slack.channel_id);
    res.locals.page = page;
    next();
  };

/** The tenant a request is about: the one named, which a bound key must match, or the bound key's own. */
function tenantOf(res: Response, named: string | undefined): string {
  const caller = callerOf(res);
  const tenantId = named ?? caller.tenantId;
  if (!tenantId) throw new ValidationError('tenant_id: required (the Slack team id or tenant slug the request is about)');
  // A bound key asking about another tenant learns nothing, not even that the tenant exists.
  if (caller.tenantId !== null && tenantId !== caller.tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
  return tenantId;
}

/** `:ref` is a UUID (global) or a per-tenant number, which needs the tenant: people type `#42` in Slack. */
function alertRefOf(req: Request, res: Response): AlertRef {
  const ref = String(req.params.ref);
  const query = parseInput(alertQuerySchema, req.query, 'query');
  if (UUID.test(ref)) return { id: ref.toLowerCase(), tenantId: query.tenant_id ?? null };
  const number = ALERT_NUMBER.exec(ref);
  if (number && Number(number[1]) <= MAX_ALERT_NUMBER) {
    const tenantId = query.tenant_id ?? callerOf(res).tenantId;
    if (!tenantId) throw new ValidationError(`tenant_id: required when the alert is named by its number (${ref}); add ?tenant_id=…`);
    return { tenantId, number: Number(number[1]) };
  }
  throw new NotFoundError(`no alert ${ref}: name an alert by its UUID or its number (e.g. 42)`);
}
