import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { z } from 'zod';
import { ALERT_STATUSES, slackChannelIdSchema, slugSchema, tenantIdSchema } from '@klaxon/contracts';
import type { RequestedTarget } from '../contacts/target';
import type { AlertService } from '../alerts/alert.service';
import { AppError, DatabaseUnavailableError, ForbiddenError, RateLimitedError, toAppError, ValidationError } from '../common/errors';
import { lenientAlert, MAX_FINGERPRINT, SUMMARY_THRESHOLD, PageListError, parsePageList, type AlertmanagerAlert, type MalformedAlert, type ReceiverRoute } from '../integrations/alertmanager';
import type { AlertmanagerService, HandledAlert } from '../integrations/alertmanager.service';
import type { BackendMetrics } from '../observe/metrics';
import type { PagingLimiter } from './paging-rate-limit';
import { described, ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
import { callerOf } from './service-key.middleware';
import { fieldOf, parseInput } from './validate';

// The receiver URL is authoritative over labels (see `routeOf`): its `page` and `service`.
const alertmanagerQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema,
  page: z.string().min(1).max(1000).optional(),
  service: slugSchema.optional(),
  allow_numbers: z.enum(['true', 'false'], 'true or false').optional(),
  channel: slackChannelIdSchema.optional(),
});

const labels = z.record(z.string(), z.string());

/** One alert. Checked alert by alert: a malformed one is taken as far as it goes (`lenientAlert`) and reported. */
const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(MAX_FINGERPRINT),
});

/**
 * Alertmanager's webhook payload, version 4. Not strict: a later Alertmanager may add fields, and what
 * Klaxon reads is checked field by field.
 */
const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'must be "4": Klaxon reads Alertmanager’s webhook payload version 4 (Alertmanager 0.x sends it)' }),
  groupKey: z.string().min(1).max(4000),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(200),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  // No upper bound: Alertmanager sends a whole group at once, and a cap would refuse a storm for good (a
  // 4xx is never retried). The body limit bounds it instead.
  alerts: z.array(alertmanagerAlertSchema).min(1, 'at least one alert'),
});

// What is checked whole (a 422 when wrong); each alert is then checked on its own.
const webhookEnvelopeSchema = alertmanagerPayloadSchema.extend({ alerts: z.array(z.unknown()).min(1, 'at least one alert') });

/**
 * The largest webhook read, for this route only (the others keep the app's 256 kB). Alertmanager sends a
 * group in one webhook however large it grows unless the receiver sets `max_alerts`, and a realistic alert
 * is about 1 kB: 16 MB is some 16,000 alerts, every pod of a large cluster crash-looping in one group. It
 * parses in well under a second (about 60 ms here), so a handful at once cost the process little.
 * Beyond it the answer is a 503 that says to set `max_alerts`.
 */
export const ALERTMANAGER_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

// What Retry-After says when the refusal has no clock of its own: PostgreSQL is usually back within
// seconds; a group over the limit shrinks only as its alerts resolve.
const RETRY_SOON_S = 5;
const RETRY_AFTER_TOO_LARGE_S = 60;

const handledSchema = z.strictObject({
  alert_id: z.guid(),
  number: z.number().int().min(1),
  status: z.enum(ALERT_STATUSES),
  dedup_key: z.string().describe('The alert’s fingerprint, or the summary’s group key.'),
});
type AlertmanagerHandledDto = z.infer<typeof handledSchema>;
const handledList = (description: string) => z.array(handledSchema).describe(description);

/** What one webhook did: the answer's body. */
const alertmanagerOutcomeSchema = z
  .strictObject({
    raised: handledList('New firing alerts, each paging its people.'),
    recorded: handledList('New firing alerts stored (they deduplicate and resolve) but paging no one: covered by a summary, or with nobody to page (see `problems`).'),
    summaries: handledList('Summary alerts this webhook raised, one per Alertmanager group and set of people; `dedup_key` is derived from the group key.'),
    deduplicated: handledList('Firing alerts (or a summary) already open: nobody was paged again.'),
    resolved: handledList('Open alerts this webhook resolved (actor `alertmanager`), the group’s summary included once the group is resolved.'),
    not_open: z.array(z.string()).describe('Fingerprints sent as resolved with no open alert: already resolved, or never raised here.'),
    truncated_alerts: z
      .number()
      .int()
      .min(0)
      .describe('The payload’s `truncatedAlerts`: alerts of the group Alertmanager left out (the receiver’s `max_alerts`), so not recorded here; the group’s summary says so too.'),
    problems: z
      .array(
        z.strictObject({
          index: z.number().int().min(0).describe('The alert’s place in the payload’s `alerts`.'),
          fingerprint: z.string().nullable().describe('Null when the alert had no usable fingerprint (Klaxon then knows it by its labels).'),
          field: z.string().describe('Where in the alert: `labels.page`, `fingerprint`, `labels.<name>`, …'),
          reason: z.string().describe('Why, in a sentence (phone numbers masked).'),
          alert_id: z.guid().nullable().describe('The Klaxon alert it is; null for a resolution with no open alert.'),
          number: z.number().int().min(1).nullable(),
          paged: z
            .boolean()
            .describe('True: it pages the receiver URL’s people (or the rest of its label), its created event noting `misrouted: …`. False: recorded, nobody paged, its created event noting `not paged: …`.'),
        }),
      )
      .describe(
        'Alerts Klaxon could not take as they came, each also in one of the lists above: a `page` label it refused (a number without `allow_numbers=true`, not a Slack user id, nobody named), or an alert that failed the schema.',
      ),
  })
  .meta({
    id: 'AlertmanagerOutcome',
    description: 'What one Alertmanager webhook did; every alert of the payload is in exactly one of the lists, and also in `problems` when it was taken otherwise than it asked.',
  });
type AlertmanagerWebhookDto = z.infer<typeof alertmanagerOutcomeSchema>;

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

/**
 * What Klaxon cannot take now becomes a 503 with Retry-After, which Alertmanager retries (it drops a 4xx, and
 * the alerts with it): a group over the body limit (it shrinks as alerts resolve, and the answer says how to
 * cap it), a rate limit, PostgreSQL unreachable. Malformed JSON, another payload version or a bad key stay
 * 4xx: sending the same again would not help.
 */
const retryable: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const retry = retryLaterOf(error);
  if (retry) res.setHeader('Retry-After', String(retry.retryAfterSeconds));
  next(retry?.error ?? error);
};

function retryLaterOf(error: unknown): { error: AppError; retryAfterSeconds: number } | null {
  if ((error as { type?: unknown }).type === 'entity.too.large') {
    const detail =
      `the webhook is larger than ${ALERTMANAGER_BODY_LIMIT_BYTES / 1024 / 1024} MB, the most Klaxon reads; set max_alerts in this receiver's webhook_config ` +
      'so Alertmanager sends fewer alerts per group (Klaxon records how many it left out); Alertmanager retries this webhook';
    return { error: new AppError('payload_too_large', 503, detail), retryAfterSeconds: RETRY_AFTER_TOO_LARGE_S };
  }
  // A 429 from here would be lost for good. The limit still holds: nothing was stored or counted, and a
  // retry gets through once the window has room.
  if (error instanceof RateLimitedError) {
    return { error: new AppError('rate_limited', 503, `${error.detail}; Alertmanager retries this webhook`), retryAfterSeconds: error.retryAfterSeconds ?? RETRY_SOON_S };
  }
  const appError = toAppError(error);
  return appError instanceof DatabaseUnavailableError ? { error: appError, retryAfterSeconds: RETRY_SOON_S } : null;
}

interface WebhookQuery {
  query: z.infer<typeof alertmanagerQuerySchema>;
  route: ReceiverRoute;
}

/** What the receiver URL says about whom to page (its page list wins over labels). */
function receiverRouteOf(query: z.infer<typeof alertmanagerQuerySchema>): ReceiverRoute {
  return { page: query.page === undefined ? null : pageParameter(query.page), service: query.service ?? null, allowNumbers: query.allow_numbers === 'true' };
}

/** The payload's alerts, each checked on its own: a malformed one is taken as far as it goes, and why is kept. */
function readAlerts(raw: readonly unknown[]): { alerts: AlertmanagerAlert[]; malformed: Map<number, MalformedAlert> } {
  const malformed = new Map<number, MalformedAlert>();
  const alerts = raw.map((item, index) => {
    const parsed = alertmanagerAlertSchema.safeParse(item);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const { fingerprintGiven, ...alert } = lenientAlert(item);
    malformed.set(index, { problem: { field: fieldOf(issue.path) || 'alert', reason: issue.message }, fingerprint: fingerprintGiven ? alert.fingerprint : null });
    return alert;
  });
  return { alerts, malformed };
}

/**
 * The receiver URL and the key's tenant scope, before the body is read: a bound key cannot make us read 16 MB
 * for another tenant, nor name a channel its tenant has no claim to (the same rule as POST /alert's).
 */
const checkReceiverUrl =
  (alerts: AlertService): RequestHandler =>
  async (req, res, next) => {
    const query = parseInput(alertmanagerQuerySchema, req.query, 'query');
    const caller = callerOf(res);
    if (caller.tenantId !== null && caller.tenantId !== query.tenant_id) {
      throw new ForbiddenError(`tenant_id: this service key is bound to tenant ${caller.tenantId} and may only raise alerts for it`);
    }
    if (query.channel) await alerts.checkSlackChannel(caller, query.tenant_id, query.channel, 'channel');
    const checked: WebhookQuery = { query, route: receiverRouteOf(query) };
    res.locals.alertmanager = checked;
    next();
  };

/**
 * Mounted before the app's JSON parser: this route reads its body with its own, larger limit
 * (ALERTMANAGER_BODY_LIMIT_BYTES); every other route keeps the app's.
 */
export function alertmanagerRouter({ alerts, alertmanager, metrics, limiter }: { alerts: AlertService; alertmanager: AlertmanagerService; metrics: BackendMetrics; limiter: PagingLimiter }): Router {
  const router = Router();

  const receive: RequestHandler = async (req, res) => {
    const { query, route } = res.locals.alertmanager as WebhookQuery;
    const envelope = parseInput(webhookEnvelopeSchema, req.body);
    const { alerts, malformed } = readAlerts(envelope.alerts);
    const payload = { ...envelope, alerts };
    const outcome = await alertmanager.receive({
      tenantId: query.tenant_id,
      payload,
      route,
      malformed,
      slackChannelId: query.channel ?? null,
      admit: (pages) => limiter.charge(query.tenant_id, pages),
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
      truncated_alerts: payload.truncatedAlerts,
      problems: outcome.problems.map(({ index, fingerprint, problem, alert, paged }) => ({
        index,
        fingerprint,
        field: problem.field,
        reason: problem.reason,
        alert_id: alert?.id ?? null,
        number: alert?.number ?? null,
        paged,
      })),
    };
    res.json(body);
  };
  router.post('/integrations/alertmanager', checkReceiverUrl(alerts), express.json({ limit: ALERTMANAGER_BODY_LIMIT_BYTES }), receive, retryable);

  return router;
}

export const alertmanagerPaths: RouteDoc[] = [
  {
    method: 'post',
    path: '/integrations/alertmanager',
    operationId: 'receiveAlertmanagerWebhook',
    summary: 'Raise and resolve alerts from a Prometheus Alertmanager webhook',
    description:
      'Alertmanager’s webhook payload, version 4; authenticate with `Authorization: Bearer <service key>` (what `http_config.authorization` sends) or the service-key header. ' +
      'The receiver URL is authoritative: its `page` and `service` parameters name whom every alert pages, whatever the alerts’ labels say. Only without them does an alert’s `service` label pick one of the tenant’s services (paged through its escalation policy: whoever is on call) and its `page` label name people, Slack user ids only (E.164 numbers too with `allow_numbers=true`); with both labels, both are paged. A `service` label naming none of the tenant’s services is reported in `problems` for that alert only, which pages the rest of its labels (or nobody). ' +
      'A group is taken alert by alert: an alert whose label Klaxon refuses, or that fails the schema, is still recorded — paged to the receiver URL’s people when it names some, else paging nobody — and listed in `problems` with its index, field and reason. ' +
      'An alert’s severity comes from the `severity` label, its message from the `summary` annotation (else the alert name and labels), its `dedup_key` is `alertmanager:<fingerprint>:<hash of the receiver>` (one Klaxon alert per fingerprint and receiver: an alert Alertmanager routes to two receivers with `continue: true` pages the people of both) and its `origin` is `alertmanager`. ' +
      'A firing alert already open pages no one again; a resolved one resolves the open alert of its fingerprint and receiver (actor `alertmanager`; an alert raised before dedup keys named the receiver, keyed by the bare fingerprint, is found too). ' +
      `More than ${SUMMARY_THRESHOLD} new firing alerts for the same people in one webhook (or any while that group’s summary is open, or when Alertmanager left alerts out: \`truncatedAlerts\`) page those people once with a summary, the alerts themselves recorded without paging. ` +
      'Each page raised counts against the tenant and global rate limits. ' +
      `The body may be up to ${ALERTMANAGER_BODY_LIMIT_BYTES / 1024 / 1024} MB (a whole group; no cap on the number of alerts). What Klaxon cannot take now — a larger body, a rate limit, PostgreSQL unreachable — is a 503 with \`Retry-After\`, never a 4xx, which Alertmanager would not retry.`,
    tags: ['alerts'],
    security: [{ serviceKey: [] }, { bearer: [] }],
    request: {
      query: described(alertmanagerQuerySchema, {
        tenant_id: 'The tenant the alerts are for; a key bound to a tenant must name its own (403 otherwise).',
        page: 'Whom every alert of this receiver pages, over any `page` and `service` label: Slack user ids and/or E.164 numbers, comma-separated (`U024BE7LH,%2B14155550101`: in a URL the `+` is `%2B`).',
        service:
          'A service of the tenant every alert of this receiver pages through its escalation policy (whoever is on call), over any `service` and `page` label; with `page`, both. A name the tenant has no service by is a 422 naming `service`.',
        allow_numbers:
          '`true`: without a `page` parameter, an alert’s `page` label may name E.164 numbers as well as Slack user ids (by default a label names Slack users only: whoever writes alert rules cannot page any number in the world).',
        channel: 'The Slack channel id the alerts’ messages are posted to (the bot must be in it); none when omitted.',
      }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: alertmanagerPayloadSchema.meta({ id: 'AlertmanagerWebhook' }),
            example: {
              version: '4',
              groupKey: '{}:{alertname="CheckoutDown"}',
              truncatedAlerts: 0,
              status: 'firing',
              receiver: 'klaxon',
              groupLabels: { alertname: 'CheckoutDown' },
              commonLabels: { alertname: 'CheckoutDown', severity: 'critical' },
              commonAnnotations: { summary: 'checkout is down' },
              externalURL: 'http://alertmanager.example:9093',
              alerts: [
                {
                  status: 'firing',
                  labels: { alertname: 'CheckoutDown', severity: 'critical', job: 'checkout', page: 'U024BE7LH' },
                  annotations: { summary: 'checkout is down' },
                  startsAt: '2026-11-30T08:00:00Z',
                  endsAt: '0001-01-01T00:00:00Z',
                  generatorURL: 'http://prometheus.example:9090/graph',
                  fingerprint: 'c2b0a1f9e4d3c7b6',
                },
              ],
            },
          },
        },
      },
    },
    responses: {
      200: json('What was raised, recorded, summarised, deduplicated and resolved.', alertmanagerOutcomeSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.unauthorized,
      403: ERRORS.forbidden,
      422: ERRORS.invalidField,
      503: errorResponse(
        ['payload_too_large', 'rate_limited', 'database_unavailable'],
        `Klaxon cannot take this webhook now, and Alertmanager retries it (it drops a 4xx for good): \`payload_too_large\` (over ${ALERTMANAGER_BODY_LIMIT_BYTES / 1024 / 1024} MB: set \`max_alerts\`), ` +
          '`rate_limited` (the tenant or global paging limit; nothing was stored or counted) or `database_unavailable`. `Retry-After` says how long to wait.',
      ),
    },
  },
];
