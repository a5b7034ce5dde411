import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  ALERT_STATUSES,
  createAlertRequestSchema,
  DEFAULT_SEVERITY,
  REQUEST_ID_HEADER,
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
import { parseInput, tenantPathSchema } from './validate';
import { alertEventsSchema, alertListSchema, alertSchema, alertStatsSchema, transitionConflictSchema } from './alert.schemas';
import { described, ERRORS, json, type RouteDoc } from './openapi-kit';
import { ACCEPTABLE_ID } from './request-id.middleware';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALERT_NUMBER = /^#?([1-9][0-9]{0,9})$/;
const MAX_ALERT_NUMBER = 2_147_483_647;

// Query strings are strict like bodies: a misspelt filter must not silently return everything.
const listQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
  status: z.enum(ALERT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  since: z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp such as 2026-11-23T10:00:00Z' }).optional(),
  limit: z.coerce.number().int('a whole number').min(1, 'from 1 to 200').max(200, 'from 1 to 200').default(50),
  cursor: z.string().max(100).optional(),
});
const alertQuerySchema = z.strictObject({ tenant_id: tenantIdSchema.optional() });

/** The deliveries of these alerts that providers reported on, for the receipts each target shows. */
export type ReceiptsLoader = (alertIds: readonly string[]) => Promise<Map<string, Delivery[]>>;

export function alertsRouter({
  alerts,
  metrics,
  limiter,
  receipts,
  channelLabels,
}: {
  alerts: AlertService;
  metrics: BackendMetrics;
  limiter: PagingLimiter;
  receipts: ReceiptsLoader;
  /** How the registered channels read: every alert answer carries them (`channel_labels`). */
  channelLabels: Record<string, string>;
}): Router {
  const withReceipts = async (list: readonly Alert[]): Promise<AlertDto[]> => {
    const reported = await receipts(list.map((a) => a.id));
    return list.map((a) => toAlertDto(a, channelLabels, reported.get(a.id)));
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
      targets: (body.targets ?? []).map((t) => ('slack_user_id' in t ? { slackUserId: t.slack_user_id } : { phone: t.phone })),
      service: body.slack_usergroup ? { usergroup: body.slack_usergroup } : (body.service ?? null),
      limits,
    });
    const { alert, outcome } = await raised.catch((error: unknown) => {
      throw limiter.refusal(error, res);
    });
    if (outcome === 'created') metrics.alertsRaised.inc({ severity: alert.severity, origin: alert.origin });
    // A replayed request id answers as the first time did; a dedup hit is the existing alert, not a new one.
    res.status(outcome === 'deduplicated' ? 200 : 201).json(toAlertDto(alert, channelLabels));
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
      res.json(toAlertDto(alert, channelLabels));
    });
  }

  router.get('/stats/:tenant_id', async (req, res) => {
    const tenantId = tenantOf(res, parseInput(tenantPathSchema, req.params, 'path').tenant_id);
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

// The OpenAPI document of the routes above (GET /openapi.json).

const alertRefQuery = described(alertQuerySchema, { tenant_id: 'The tenant, required to name an alert by its number with an unbound key; otherwise a further check.' });
const alertRefPath = described(z.object({ ref: z.union([z.guid(), z.string().regex(ALERT_NUMBER)]) }), {
  ref: 'The alert’s UUID, or its per-tenant number (`42`, or `#42` percent-encoded as `%2342`). A number needs `tenant_id` unless the service key is bound to a tenant.',
});

const RAISE_DESCRIPTION =
  'Stores the alert, resolves its targets and queues their notifications in one transaction. A `dedup_key` matching an open alert of the tenant answers 200 with that alert instead of raising another. A repeated `x-request-id` answers as the first request did. The key’s tenant scope (403) and the body (422) are checked before the rate limits (429), so a refused request is counted by none of them.';

/** POST /alert and the gateway's POST /slack/alert differ in body, origin and who may call. */
function raiseRoute(origin: 'api' | 'slack'): RouteDoc {
  const api = origin === 'api';
  return {
    method: 'post',
    path: api ? '/alert' : '/slack/alert',
    operationId: api ? 'raiseAlert' : 'raiseSlackAlert',
    summary: api ? 'Raise an alert' : 'Raise an alert typed in Slack (the gateway only)',
    description: api
      ? `${RAISE_DESCRIPTION} The alert’s \`origin\` is \`api\`: its text is shown in Slack as plain text (\`&\`, \`<\`, \`>\` escaped), never as Slack markup. ` +
        'A key bound to a tenant may name in `slack.channel_id` only a channel where the tenant’s people raised an alert from Slack, or one the operator granted the tenant (`TENANT_SLACK_CHANNELS`); any other is a 422 naming `slack.channel_id`. A key bound to no tenant may name any channel.'
      : `${RAISE_DESCRIPTION} The alert’s \`origin\` is \`slack\`: its message is Slack markup as Slack sent it (mentions, escaped \`&\`, \`<\`, \`>\`) and is shown as such. Only a key bound to no tenant may call it.`,
    tags: ['alerts'],
    request: {
      headers: described(z.object({ [REQUEST_ID_HEADER]: z.string().regex(ACCEPTABLE_ID).optional() }), {
        [REQUEST_ID_HEADER]: 'Idempotency key: a retry with the same id returns the first answer (a refused request stays refused). Echoed on every response; a malformed one is refused with 422 on every route.',
      }),
      body: {
        required: true,
        content: {
          'application/json': api
            ? {
                schema: createAlertRequestSchema.meta({ id: 'CreateAlertRequest' }),
                example: { tenant_id: 'T024BE7LD', message: 'checkout is down', severity: 'critical', source: 'billing-api', targets: [{ slack_user_id: 'U024BE7LH' }, { phone: '+14155550101' }] },
              }
            : {
                schema: slackAlertRequestSchema.meta({ id: 'SlackAlertRequest' }),
                example: { tenant_id: 'T024BE7LD', message: 'checkout is down, see <#C024BE91L>', severity: 'critical', targets: [{ slack_user_id: 'U024BE7LH' }], slack: { channel_id: 'C024BE91L', user_id: 'U024BE7LJ' } },
              },
        },
      },
    },
    responses: {
      201: json('The alert raised.', alertSchema),
      200: json('An open alert of the tenant already has this `dedup_key`: that alert, unchanged.', alertSchema),
      400: ERRORS.invalidJson,
      401: api ? ERRORS.unauthorized : ERRORS.gatewayOnly,
      // The gateway's route takes unbound keys only (401 otherwise), so it never meets a foreign tenant.
      ...(api ? { 403: ERRORS.forbidden } : {}),
      413: ERRORS.payloadTooLarge,
      422: ERRORS.invalidField,
      429: ERRORS.rateLimited,
      503: ERRORS.databaseUnavailable,
    },
  };
}

/** PUT /alerts/{ref}/acknowledge and /resolve differ only in their verb. */
function transitionRoute(action: AlertAction, outcome: string): RouteDoc {
  return {
    method: 'put',
    path: `/alerts/{ref}/${action}`,
    operationId: `${action}Alert`,
    summary: `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert`,
    description:
      `Moves the alert to \`${outcome}\` in one conditional update and records who did it in its events. When the alert’s status does not allow it, answers 409 with who put it where it is, and changes nothing. ` +
      'The note is plain text: Slack shows it escaped, as written. An actor `slack:<user id>` is shown in Slack as a mention of that user; any other actor as written.',
    tags: ['alerts'],
    request: {
      params: alertRefPath,
      query: alertRefQuery,
      body: { required: false, content: { 'application/json': { schema: transitionRequestSchema.meta({ id: 'TransitionRequest' }), example: { actor: 'slack:U024BE7LH', note: 'looking' } } } },
    },
    responses: {
      200: json(`The alert, now ${outcome}.`, alertSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.unauthorized,
      404: ERRORS.notFound,
      409: json('The transition is not allowed from the alert’s current status (e.g. already acknowledged).', transitionConflictSchema),
      413: ERRORS.payloadTooLarge,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  };
}

const READ_ERRORS = { 401: ERRORS.unauthorized, 404: ERRORS.notFound, 422: ERRORS.invalidField, 503: ERRORS.databaseUnavailable };

export const alertsPaths: RouteDoc[] = [
  raiseRoute('api'),
  raiseRoute('slack'),
  {
    method: 'get',
    path: '/alerts',
    operationId: 'listAlerts',
    summary: 'List a tenant’s alerts, newest first',
    description: 'Keyset pagination: pass `next_cursor` as `cursor` to get the next (older) page.',
    tags: ['alerts'],
    request: {
      query: described(listQuerySchema, {
        tenant_id: 'The tenant; defaults to the service key’s own when the key is bound to one.',
        status: 'Only alerts in this status.',
        severity: 'Only alerts of this severity.',
        since: 'Only alerts raised at or after this time.',
        limit: 'Page size.',
        cursor: '`next_cursor` of the previous page, unchanged.',
      }),
    },
    responses: { 200: json('A page of alerts.', alertListSchema), ...READ_ERRORS },
  },
  {
    method: 'get',
    path: '/alerts/{ref}',
    operationId: 'getAlert',
    summary: 'Get one alert',
    tags: ['alerts'],
    request: { params: alertRefPath, query: alertRefQuery },
    responses: { 200: json('The alert.', alertSchema), ...READ_ERRORS },
  },
  {
    method: 'get',
    path: '/alerts/{ref}/events',
    operationId: 'listAlertEvents',
    summary: 'Get an alert’s audit trail',
    description: 'Every change to the alert, oldest first: who, when, what, and the note given.',
    tags: ['alerts'],
    request: { params: alertRefPath, query: alertRefQuery },
    responses: { 200: json('The alert’s events.', alertEventsSchema), ...READ_ERRORS },
  },
  transitionRoute('acknowledge', 'acknowledged'),
  transitionRoute('resolve', 'resolved'),
  {
    method: 'get',
    path: '/stats/{tenant_id}',
    operationId: 'getAlertStats',
    summary: 'Count a tenant’s alerts by status and severity',
    tags: ['alerts'],
    request: { params: described(tenantPathSchema, { tenant_id: 'The tenant (a Slack team id or a service’s slug).' }) },
    responses: { 200: json('The tenant’s counts and mean response times.', alertStatsSchema), ...READ_ERRORS },
  },
];
