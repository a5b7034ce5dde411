import { z } from 'zod';
import {
  ALERT_ORIGINS,
  ALERT_STATUSES,
  CHANNELS,
  CONTACT_CHANNELS,
  CONTACT_SOURCES,
  createAlertRequestSchema,
  ERROR_CODES,
  RECEIPT_STATUSES,
  REQUEST_ID_HEADER,
  SERVICE_KEY_HEADER,
  SEVERITIES,
  SLACK_USER_ID_PATTERN,
  slackAlertRequestSchema,
  TARGET_STATUSES,
  tenantIdSchema,
  TIME_OF_DAY_PATTERN,
  transitionRequestSchema,
  upsertContactRequestSchema,
  type AlertDto,
  type AlertEventDto,
  type AlertEventsDto,
  type AlertListDto,
  type AlertStatsDto,
  type AlertTargetDto,
  type HeldPageDto,
  type ContactDto,
  type ContactImportDto,
  CONTACT_CSV_COLUMNS,
  type DeliveryReceiptDto,
  type ErrorBody,
  type ErrorCode,
  type TransitionConflictBody,
  TEST_PAGE_OUTCOMES,
  testPagesRequestSchema,
  type TestPageResultDto,
  type TestPagesDto,
  ownPhoneRequestSchema,
  verifyPhoneRequestSchema,
  type PendingPhoneDto,
  type PhoneStatusDto,
} from '@klaxon/contracts';
import { ALERT_NUMBER, alertQuerySchema, listQuerySchema } from './alerts.routes';
import { ALERTMANAGER_BODY_LIMIT_BYTES, alertmanagerPayloadSchema, alertmanagerQuerySchema, type AlertmanagerHandledDto, type AlertmanagerProblemDto, type AlertmanagerWebhookDto } from './alertmanager.routes';
import { SUMMARY_THRESHOLD } from '../integrations/alertmanager';
import type { HealthBody } from './health.routes';
import { ACCEPTABLE_ID } from './request-id.middleware';
import { pagerDutySettingsRequestSchema, type PagerDutySettingsDto } from './pagerduty.routes';
import { CSV_MEDIA_TYPE, exportQuerySchema, IMPORT_BODY_LIMIT_BYTES, importQuerySchema } from './contacts.routes';
import { packageVersion } from '../common/package-version';
import { twilioFieldsSchema } from './twilio.routes';
import {
  escalationPolicyRequestSchema,
  MAX_ONCALL_WINDOW_DAYS,
  MAX_POLICY_REPEAT,
  overrideRequestSchema,
  scheduleRequestSchema,
  serviceRequestSchema,
  SLUG_PATTERN,
  slugSchema,
  WALL_CLOCK_PATTERN,
  WEEKDAYS,
  type EscalationPolicyDto,
  type EscalationPolicyListDto,
  type EscalationStepDto,
  type InUseBody,
  type LayerDto,
  type OnCallNowDto,
  type OnCallOverviewDto,
  type OnCallSegmentDto,
  type OverrideDto,
  type OverrideListDto,
  type RestrictionDto,
  type ScheduleDto,
  type ScheduleListDto,
  type ServiceDto,
  type ServiceListDto,
  type ServiceOnCallDto,
  type ShiftsDto,
} from '@klaxon/contracts';
import { onCallQuerySchema, overridesQuerySchema, tenantOnCallQuerySchema } from './oncall.routes';

// The OpenAPI 3.1 description of the backend, served at GET /openapi.json. Request schemas and query
// parameters are generated from the zod schemas the routes validate with, so they cannot drift; response
// schemas are written by hand against the contracts' DTO types (the compiler checks their keys) and
// test/integration/openapi.int.test.ts checks real responses of every route against them.
//
// To describe a new route: add its DTO to `schemas` with dtoSchema<ItsDto>(…), and its operation to
// `paths` below. Nothing else; the route-walk test fails until a registered route is described here.

export type JsonSchema = z.core.JSONSchema.JSONSchema;
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Reference {
  $ref: string;
}
export interface MediaType {
  schema: JsonSchema;
  /** A request that succeeds; the conformance test sends it, so it stays true. */
  example?: unknown;
}
export interface ResponseObject {
  description: string;
  content?: Record<string, MediaType>;
}
export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  description: string;
  schema: JsonSchema;
}
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `[]` makes the operation public, overriding the document-wide service key. */
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<`${number}`, ResponseObject | Reference>;
}
export type PathItem = Partial<Record<HttpMethod, Operation>>;
export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, { type: 'apiKey'; in: 'header'; name: string; description: string } | { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

/** A request schema as a caller sees it (`io: 'input'`: optional fields and defaults are the caller's to omit). */
function fromZod(schema: z.ZodType): JsonSchema {
  // The dialect is declared once for the document (jsonSchemaDialect), not inside every embedded schema.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

/** One parameter per field of a zod object schema; a new field without a description does not compile. */
function parametersOf<S extends z.ZodObject>(where: 'query' | 'path', schema: S, descriptions: Record<keyof S['shape'] & string, string>): Parameter[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === 'path' || !(field as z.ZodType).isOptional(),
    description: descriptions[name as keyof S['shape'] & string],
    schema: fromZod(field as z.ZodType),
  }));
}

/**
 * An object schema with exactly T's keys, all required and nothing else allowed: the compiler flags a
 * DTO field missing here (or one here the DTO lacks), and the conformance test flags a response that
 * carries a field more or less than the document.
 */
function dtoSchema<T>(properties: { [K in keyof T]-?: JsonSchema }, description?: string): JsonSchema {
  return { type: 'object', ...(description ? { description } : {}), properties, required: Object.keys(properties), additionalProperties: false };
}

type TypedSchema = JsonSchema & { type: 'string' | 'number' | 'integer' };
const nullable = (schema: TypedSchema): JsonSchema => ({ ...schema, type: [schema.type, 'null'] });
const timestamp = (description: string): TypedSchema => ({ type: 'string', format: 'date-time', description });

/** Named so references are checked by the compiler; a schema added to `schemas` is added here too. */
type SchemaName =
  | 'AlertTarget'
  | 'Alert'
  | 'AlertList'
  | 'AlertEvent'
  | 'AlertEvents'
  | 'AlertStats'
  | 'Error'
  | 'TransitionConflict'
  | 'CreateAlertRequest'
  | 'SlackAlertRequest'
  | 'TransitionRequest'
  | 'Contact'
  | 'UpsertContactRequest'
  | 'AlertmanagerWebhook'
  | 'AlertmanagerOutcome'
  | 'ContactImport'
  | 'PagerDutySettings'
  | 'PagerDutySettingsRequest'
  | 'TestPagesRequest'
  | 'TestPages'
  | 'PhoneStatus'
  | 'OwnPhoneRequest'
  | 'VerifyPhoneRequest'
  | 'Health';
const schemaRef = (name: SchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: keyof typeof responses): Reference => ({ $ref: `#/components/responses/${name}` });
const json = (description: string, schema: JsonSchema): ResponseObject => ({ description, content: { 'application/json': { schema } } });

/** An error response whose body is an Error carrying exactly this code. */
function errorResponse(code: ErrorCode, description: string): ResponseObject {
  return json(description, { type: 'object', allOf: [schemaRef('Error')], properties: { error: { const: code } } });
}

const alertTarget = dtoSchema<AlertTargetDto>(
  {
    slack_user_id: nullable({ type: 'string', description: 'The Slack user paged; null for a bare phone target.' }),
    name: nullable({ type: 'string', description: 'Display name when known (contacts or Slack profile).' }),
    phone: nullable({ type: 'string', description: 'E.164, masked on the wire (`+1 ******0123`); null when none was found.' }),
    email: nullable({ type: 'string', description: 'Masked on the wire (`j***@example.com`); null when the person has none.' }),
    status: { type: 'string', enum: [...TARGET_STATUSES], description: '`paging`: at least one channel will try; `unreachable`: `reason` says why not.' },
    channels: { type: 'array', items: { type: 'string', enum: [...CHANNELS] }, description: 'What pages this target now: the policy for the severity, within what the person accepts.' },
    reason: nullable({ type: 'string', description: 'Why the target cannot be reached; null while paging.' }),
    held: {
      ...dtoSchema<HeldPageDto>({
        until: timestamp('When the held channels go out: the end of the quiet hours.'),
        time_zone: { type: 'string', description: 'The person’s IANA time zone, in which their quiet hours are read (`Europe/Berlin`).' },
      }),
      type: ['object', 'null'],
      description: 'The first page waits for the end of the person’s quiet hours (a low or medium alert): every channel in `channels` goes out at `until`. Null when it went at once.',
    },
    receipts: {
      type: 'array',
      description: 'What reached the person, as Twilio reported it (status callbacks): per channel, the furthest status and when. `voicemail`: a machine answered the call (not reached).',
      items: dtoSchema<DeliveryReceiptDto>({ channel: { type: 'string', enum: [...CHANNELS] }, status: { type: 'string', enum: [...RECEIPT_STATUSES] }, at: timestamp('When the provider reported it.') }),
    },
  },
  'A person (or number) the alert pages, as target resolution found them.',
);

/** A number given through Slack that waits for its code (nullable), as the contact and `/alert phone` show it. */
function pendingPhone(description: string): JsonSchema {
  return {
    ...dtoSchema<PendingPhoneDto>({
      phone: { type: 'string', description: 'The number waiting for its code, masked. It pages nobody until confirmed.' },
      channel: { type: 'string', enum: [...CHANNELS], description: 'Where the code went (SMS; WhatsApp when no SMS sender is configured).' },
      expires_at: timestamp('When the code stops working.'),
      attempts_left: { type: 'integer', minimum: 0, description: 'Wrong codes that may still be typed.' },
      usable: { type: 'boolean', description: 'False once the code expired or its attempts are used up: only a new code helps.' },
    }),
    type: ['object', 'null'],
    description,
  };
}

const alert = dtoSchema<AlertDto>(
  {
    id: { type: 'string', format: 'uuid' },
    tenant_id: { type: 'string' },
    number: { type: 'integer', minimum: 1, description: 'Per-tenant number, as people write it in Slack (`#42`).' },
    status: { type: 'string', enum: [...ALERT_STATUSES] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    message: { type: 'string' },
    rule_name: nullable({ type: 'string' }),
    source: nullable({ type: 'string', maxLength: 255, description: 'The system that raised the alert, as the caller named it (`billing-api`); null when not named. Free text: never trusted.' }),
    origin: {
      type: 'string',
      enum: [...ALERT_ORIGINS],
      description: 'How Klaxon received the alert, set by the server from the route: `slack` (the gateway, `POST /slack/alert`), `api` (`POST /alert`), `alertmanager`. Only `slack` text is shown in Slack as Slack markup; any other is escaped.',
    },
    dedup_key: nullable({ type: 'string' }),
    covered_by: nullable({
      type: 'string',
      format: 'uuid',
      description: 'The summary alert this one was recorded under (more new Alertmanager alerts than the summary threshold): it pages nobody itself, and acknowledging or resolving the summary does the same to it.',
    }),
    targets: { type: 'array', items: schemaRef('AlertTarget') },
    slack: {
      type: ['object', 'null'],
      description: 'Where the alert was raised in Slack; null when it came from elsewhere.',
      properties: { channel_id: nullable({ type: 'string' }), user_id: nullable({ type: 'string' }) },
      required: ['channel_id', 'user_id'],
      additionalProperties: false,
    },
    created_at: timestamp('When the alert was raised.'),
    acknowledged_at: nullable(timestamp('When it was acknowledged; null until then.')),
    acknowledged_by: nullable({ type: 'string', description: '`slack:U123` for a Slack user, otherwise what the caller named.' }),
    resolved_at: nullable(timestamp('When it was resolved; null until then.')),
    resolved_by: nullable({ type: 'string' }),
  },
  'An alert as the backend returns it.',
);

const alertEvent = dtoSchema<AlertEventDto>(
  {
    id: { type: 'integer' },
    kind: { type: 'string', description: 'What happened: `created`, `acknowledged`, `resolved`, …' },
    actor: nullable({ type: 'string', description: '`slack:U123` for a Slack user, otherwise what the API caller named (or `api`, `system`).' }),
    note: nullable({ type: 'string' }),
    data: { type: 'object', description: 'Details that depend on the kind.' },
    at: timestamp('When it happened.'),
  },
  'One entry of an alert’s audit trail.',
);

function handledList(description: string): JsonSchema {
  const item = dtoSchema<AlertmanagerHandledDto>({
    alert_id: { type: 'string', format: 'uuid' },
    number: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: [...ALERT_STATUSES] },
    dedup_key: { type: 'string', description: 'The alert’s fingerprint, or the summary’s group key.' },
  });
  return { type: 'array', items: item, description };
}

const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, { type: 'integer', minimum: 0 }])) as Record<(typeof SEVERITIES)[number], JsonSchema>;

const schemas: Record<SchemaName, JsonSchema> = {
  AlertTarget: alertTarget,
  Alert: alert,
  AlertList: dtoSchema<AlertListDto>({
    alerts: { type: 'array', items: schemaRef('Alert'), description: 'Newest first.' },
    next_cursor: nullable({ type: 'string', description: 'Pass as `cursor` for the next (older) page; null on the last page.' }),
  }),
  AlertEvent: alertEvent,
  AlertEvents: dtoSchema<AlertEventsDto>({
    alert_id: { type: 'string', format: 'uuid' },
    events: { type: 'array', items: schemaRef('AlertEvent'), description: 'Oldest first.' },
  }),
  AlertStats: dtoSchema<AlertStatsDto>({
    tenant_id: { type: 'string' },
    total: { type: 'integer', minimum: 0 },
    triggered: { type: 'integer', minimum: 0 },
    acknowledged: { type: 'integer', minimum: 0 },
    resolved: { type: 'integer', minimum: 0 },
    by_severity: dtoSchema<AlertStatsDto['by_severity']>(bySeverity),
    mean_time_to_acknowledge_seconds: nullable({ type: 'number', minimum: 0, description: 'Over acknowledged alerts; null when none.' }),
    mean_time_to_resolve_seconds: nullable({ type: 'number', minimum: 0, description: 'Over resolved alerts; null when none.' }),
  }),
  Error: dtoSchema<ErrorBody>(
    {
      error: { type: 'string', enum: [...ERROR_CODES], description: 'A stable code to branch on.' },
      detail: { type: 'string', description: 'A sentence a person can act on; for 422 it names the field.' },
    },
    'Every error response: `{error, detail}`.',
  ),
  TransitionConflict: dtoSchema<TransitionConflictBody>(
    {
      error: { const: 'invalid_transition' },
      detail: { type: 'string' },
      current: dtoSchema<TransitionConflictBody['current']>({
        status: { type: 'string', enum: [...ALERT_STATUSES] },
        by: nullable({ type: 'string' }),
        at: timestamp('When the alert reached its current status.'),
      }),
    },
    'A refused transition: the alert’s current status, who put it there and when. Nothing was changed.',
  ),
  CreateAlertRequest: fromZod(createAlertRequestSchema),
  SlackAlertRequest: fromZod(slackAlertRequestSchema),
  TransitionRequest: fromZod(transitionRequestSchema),
  Contact: dtoSchema<ContactDto>(
    {
      tenant_id: { type: 'string' },
      slack_user_id: { type: 'string' },
      name: nullable({ type: 'string' }),
      phone: nullable({ type: 'string', description: 'E.164, masked on the wire (`+44 ******0958`); null when none is stored (the Slack profile number may still be used).' }),
      email: nullable({ type: 'string', description: 'Masked on the wire (`j***@example.com`).' }),
      channels: { type: 'array', items: { type: 'string', enum: [...CONTACT_CHANNELS] }, description: 'The channels the person accepts; email only when they opted in.' },
      time_zone: nullable({ type: 'string', description: 'IANA name (`Europe/Berlin`); quiet hours are read in it.' }),
      quiet_hours: {
        type: ['object', 'null'],
        description: 'When low and medium pages wait (high and critical never do); `start` after `end` wraps midnight. Null: none.',
        properties: { start: { type: 'string', pattern: TIME_OF_DAY_PATTERN.source }, end: { type: 'string', pattern: TIME_OF_DAY_PATTERN.source } },
        required: ['start', 'end'],
        additionalProperties: false,
      },
      source: { type: 'string', enum: [...CONTACT_SOURCES], description: 'Who wrote the phone number. `self`: set with `/alert phone`; `import`: bulk import; `slack`: copied from the Slack profile.' },
      pending_phone: pendingPhone('A number the person gave with `/alert phone`, waiting for its code: pages still use `phone`. Null when none waits.'),
      updated_at: timestamp('When the contact was last written.'),
    },
    'How Klaxon reaches a Slack user of a tenant.',
  ),
  UpsertContactRequest: fromZod(upsertContactRequestSchema),
  AlertmanagerWebhook: fromZod(alertmanagerPayloadSchema),
  AlertmanagerOutcome: dtoSchema<AlertmanagerWebhookDto>(
    {
      raised: handledList('New firing alerts, each paging its people.'),
      recorded: handledList('New firing alerts stored (they deduplicate and resolve) but paging no one: covered by a summary, or with nobody to page (see `problems`).'),
      summaries: handledList('Summary alerts this webhook raised, one per Alertmanager group and set of people; `dedup_key` is derived from the group key.'),
      deduplicated: handledList('Firing alerts (or a summary) already open: nobody was paged again.'),
      resolved: handledList('Open alerts this webhook resolved (actor `alertmanager`), the group’s summary included once the group is resolved.'),
      not_open: { type: 'array', items: { type: 'string' }, description: 'Fingerprints sent as resolved with no open alert: already resolved, or never raised here.' },
      problems: {
        type: 'array',
        description: 'Alerts Klaxon could not take as they came, each also in one of the lists above: a `page` label it refused (a number without `allow_numbers=true`, not a Slack user id, nobody named), or an alert that failed the schema.',
        items: dtoSchema<AlertmanagerProblemDto>({
          index: { type: 'integer', minimum: 0, description: 'The alert’s place in the payload’s `alerts`.' },
          fingerprint: nullable({ type: 'string', description: 'Null when the alert had no usable fingerprint (Klaxon then knows it by its labels).' }),
          field: { type: 'string', description: 'Where in the alert: `labels.page`, `fingerprint`, `labels.<name>`, …' },
          reason: { type: 'string', description: 'Why, in a sentence (phone numbers masked).' },
          alert_id: nullable({ type: 'string', format: 'uuid', description: 'The Klaxon alert it is; null for a resolution with no open alert.' }),
          number: nullable({ type: 'integer', minimum: 1 }),
          paged: {
            type: 'boolean',
            description: 'True: it pages the receiver URL’s people (or the rest of its label), its created event noting `misrouted: …`. False: recorded, nobody paged, its created event noting `not paged: …`.',
          },
        }),
      },
      truncated_alerts: {
        type: 'integer',
        minimum: 0,
        description: 'The payload’s `truncatedAlerts`: alerts of the group Alertmanager left out (the receiver’s `max_alerts`), so not recorded here; the group’s summary says so too.',
      },
    },
    'What one Alertmanager webhook did; every alert of the payload is in exactly one of the lists, and also in `problems` when it was taken otherwise than it asked.',
  ),
  ContactImport: dtoSchema<ContactImportDto>(
    {
      tenant_id: { type: 'string' },
      dry_run: { type: 'boolean', description: 'True: nothing was written; the counts say what an import would do.' },
      rows: { type: 'integer', minimum: 0, description: 'Data rows read (header and blank lines not counted).' },
      imported: { type: 'integer', minimum: 0, description: 'Rows written (or to be written): new contacts and changed ones.' },
      unchanged: { type: 'integer', minimum: 0, description: 'Valid rows equal to what is stored.' },
      kept_self: { type: 'integer', minimum: 0, description: 'Valid rows left alone because the person set their own number (`overwrite=self` replaces it).' },
      skipped: { type: 'integer', minimum: 0, description: 'Rows refused; each has at least one entry in `errors`.' },
      errors: {
        type: 'array',
        maxItems: 1000,
        description: 'The first 1,000 problems, by line. No cell value is echoed.',
        items: {
          type: 'object',
          properties: {
            line: { type: 'integer', minimum: 1, description: 'The line of the file (the header is line 1).' },
            column: nullable({ type: 'string', enum: [...CONTACT_CSV_COLUMNS], description: 'The column to fix; null when the whole line is malformed.' }),
            reason: { type: 'string' },
          },
          required: ['line', 'column', 'reason'],
          additionalProperties: false,
        },
      },
    },
    'The outcome of a directory import.',
  ),
  PagerDutySettings: dtoSchema<PagerDutySettingsDto>(
    {
      tenant_id: { type: 'string' },
      routing_key: { type: 'string', description: 'Masked: only the last four characters are shown.' },
      min_severity: { type: 'string', enum: [...SEVERITIES], description: 'Alerts of this severity or above are sent to PagerDuty.' },
      updated_at: timestamp('When the settings were last written.'),
    },
    'A tenant’s PagerDuty Events API v2 settings.',
  ),
  PagerDutySettingsRequest: fromZod(pagerDutySettingsRequestSchema),
  TestPagesRequest: fromZod(testPagesRequestSchema),
  TestPages: dtoSchema<TestPagesDto>(
    {
      tenant_id: { type: 'string' },
      slack_user_id: { type: 'string' },
      reason: nullable({ type: 'string', description: 'Why the person could not be paged at all (no number or address found); null when they could.' }),
      results: {
        type: 'array',
        description: 'One entry per channel the person accepts, in their order.',
        items: dtoSchema<TestPageResultDto>({
          channel: { type: 'string', enum: [...CHANNELS] },
          to: nullable({ type: 'string', description: 'The address, masked; null when the person has none for this channel.' }),
          outcome: { type: 'string', enum: [...TEST_PAGE_OUTCOMES], description: '`sent`: the provider accepted it; `failed`: it refused (see `detail`); `no_address`: nothing to send to.' },
          provider_message_id: nullable({ type: 'string', description: 'Twilio SID, SMTP Message-ID.' }),
          detail: nullable({ type: 'string', description: 'Why it was not sent, in the provider’s words.' }),
        }),
      },
    },
    'What each channel’s TEST page did. No alert was created.',
  ),
  // Verified numbers (`/alert phone`, `/alert phone verify`).
  PhoneStatus: dtoSchema<PhoneStatusDto>(
    {
      tenant_id: { type: 'string' },
      slack_user_id: { type: 'string' },
      phone: nullable({ type: 'string', description: 'The stored number pages use, masked; null when none is stored (the Slack profile number may still be used).' }),
      pending: pendingPhone('A number the person gave in Slack, waiting for its code; null when none waits.'),
    },
    'A person’s own number and the one waiting for its code.',
  ),
  OwnPhoneRequest: fromZod(ownPhoneRequestSchema),
  VerifyPhoneRequest: fromZod(verifyPhoneRequestSchema),
  Health: dtoSchema<HealthBody>({
    status: { type: 'string', enum: ['healthy', 'unhealthy'] },
    db: { type: 'string', enum: ['up', 'down'] },
    db_latency_ms: { type: 'number', minimum: 0 },
    jobs: {
      type: 'object',
      description: 'The job runner (pages, retries, escalations) and its queue.',
      properties: {
        worker: { type: 'string', enum: ['running', 'stopped', 'not_started'], description: '`not_started`: this process serves HTTP without a job runner.' },
        depth: nullable({ type: 'integer', minimum: 0, description: 'Jobs waiting or running; null when PostgreSQL did not answer.' }),
        oldest_due_age_s: nullable({ type: 'number', minimum: 0, description: 'Seconds the oldest due job has waited; null when PostgreSQL did not answer.' }),
        max_backlog_age_s: { type: 'number', minimum: 0, description: 'HEALTH_MAX_BACKLOG_AGE: beyond it pages are late and the answer is 503.' },
      },
      required: ['worker', 'depth', 'oldest_due_age_s', 'max_backlog_age_s'],
      additionalProperties: false,
    },
    channels: {
      type: 'object',
      description: 'Every registered channel and the provider that sends it (`twilio`, `smtp`, `slack`; `log`: only written to the log).',
      additionalProperties: { type: 'string' },
    },
    problems: { type: 'array', items: { type: 'string' }, description: 'Why this backend cannot page, one sentence each; empty when healthy.' },
    uptime_s: { type: 'integer', minimum: 0 },
    version: { type: 'string' },
  }),
};

const responses = {
  InvalidJson: errorResponse('invalid_json', 'The body is not valid (UTF-8) JSON.'),
  Unauthorized: errorResponse('unauthorized', `The ${SERVICE_KEY_HEADER} header (or \`Authorization: Bearer\` token) is missing or matches no configured key.`),
  Forbidden: errorResponse('forbidden', 'The service key is bound to another tenant than the one named; nothing was counted against that tenant’s limits.'),
  GatewayOnly: errorResponse('unauthorized', `The ${SERVICE_KEY_HEADER} header is missing, matches no configured key, or is a key bound to a tenant: this route is the gateway’s.`),
  NotFound: errorResponse('not_found', 'No such alert or tenant, or one this service key may not see.'),
  PayloadTooLarge: errorResponse('payload_too_large', 'The body is larger than the configured limit (256 kB by default).'),
  CsvTooLarge: errorResponse('payload_too_large', `The CSV is larger than ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MB; split it and import the parts.`),
  NotCsv: errorResponse('unsupported_media_type', `The body is not sent as \`${CSV_MEDIA_TYPE}\`.`),
  InvalidField: errorResponse('invalid_field', 'A field, parameter, query value or the `x-request-id` header is invalid; the detail names it and what was expected.'),
  InvalidRequestId: errorResponse('invalid_field', 'The `x-request-id` header is malformed (the detail names it); send a valid one, or none.'),
  RateLimited: errorResponse('rate_limited', 'Too many alerts from this Slack user or tenant in the window, or from all tenants together in the last minute (PAGE_LIMIT_*); `Retry-After` says how long to wait.'),
  DatabaseUnavailable: errorResponse('database_unavailable', 'PostgreSQL is unreachable; nothing was changed. Retry in a few seconds.'),
  AlertmanagerRetryLater: json(
    `Klaxon cannot take this webhook now, and Alertmanager retries it (it drops a 4xx for good): \`payload_too_large\` (over ${ALERTMANAGER_BODY_LIMIT_BYTES / 1024 / 1024} MB: set \`max_alerts\`), ` +
      '`rate_limited` (the tenant or global paging limit; nothing was stored or counted) or `database_unavailable`. `Retry-After` says how long to wait.',
    { type: 'object', allOf: [schemaRef('Error')], properties: { error: { enum: ['payload_too_large', 'rate_limited', 'database_unavailable'] satisfies ErrorCode[] } } },
  ),
  TransitionConflict: json('The transition is not allowed from the alert’s current status (e.g. already acknowledged).', schemaRef('TransitionConflict')),
} satisfies Record<string, ResponseObject>;

const ALERT_TAG = 'alerts';
const CONTACT_TAG = 'contacts';
const OPS_TAG = 'operations';
const INTEGRATION_TAG = 'integrations';
const PUBLIC: Record<string, string[]>[] = [];

const alertRefParameters: Parameter[] = [
  {
    name: 'ref',
    in: 'path',
    required: true,
    description:
      'The alert’s UUID, or its per-tenant number (`42`, or `#42` percent-encoded as `%2342`). A number needs `tenant_id` unless the service key is bound to a tenant.',
    schema: { type: 'string', anyOf: [{ format: 'uuid' }, { pattern: ALERT_NUMBER.source }] },
  },
  ...parametersOf('query', alertQuerySchema, { tenant_id: 'The tenant, required to name an alert by its number with an unbound key; otherwise a further check.' }),
];

const contactParameters: Parameter[] = [
  { name: 'tenant_id', in: 'path', required: true, description: 'The tenant (Slack team id).', schema: fromZod(tenantIdSchema) },
  { name: 'slack_user_id', in: 'path', required: true, description: 'The Slack user.', schema: { type: 'string', pattern: SLACK_USER_ID_PATTERN.source } },
];

/** PUT /alerts/{ref}/acknowledge and /resolve differ only in their verb. */
function transitionOperation(action: 'acknowledge' | 'resolve', outcome: string): Operation {
  return {
    operationId: `${action}Alert`,
    summary: `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert`,
    description:
      `Moves the alert to \`${outcome}\` in one conditional update and records who did it in its events. When the alert’s status does not allow it, answers 409 with who put it where it is, and changes nothing. ` +
      'The note is plain text: Slack shows it escaped, as written. An actor `slack:<user id>` is shown in Slack as a mention of that user; any other actor as written.',
    tags: [ALERT_TAG],
    parameters: alertRefParameters,
    requestBody: { required: false, content: { 'application/json': { schema: schemaRef('TransitionRequest'), example: { actor: 'slack:U024BE7LH', note: 'looking' } } } },
    responses: {
      '200': json(`The alert, now ${outcome}.`, schemaRef('Alert')),
      '400': responseRef('InvalidJson'),
      '401': responseRef('Unauthorized'),
      '404': responseRef('NotFound'),
      '409': responseRef('TransitionConflict'),
      '413': responseRef('PayloadTooLarge'),
      '422': responseRef('InvalidField'),
      '503': responseRef('DatabaseUnavailable'),
    },
  };
}

const RAISE_DESCRIPTION =
  'Stores the alert, resolves its targets and queues their notifications in one transaction. A `dedup_key` matching an open alert of the tenant answers 200 with that alert instead of raising another. A repeated `x-request-id` answers as the first request did. The key’s tenant scope (403) and the body (422) are checked before the rate limits (429), so a refused request is counted by none of them.';

/** POST /alert and the gateway's POST /slack/alert differ in body, origin and who may call. */
function raiseOperation(route: 'api' | 'slack'): Operation {
  const api = route === 'api';
  return {
    operationId: api ? 'raiseAlert' : 'raiseSlackAlert',
    summary: api ? 'Raise an alert' : 'Raise an alert typed in Slack (the gateway only)',
    description: api
      ? `${RAISE_DESCRIPTION} The alert’s \`origin\` is \`api\`: its text is shown in Slack as plain text (\`&\`, \`<\`, \`>\` escaped), never as Slack markup. ` +
        'A key bound to a tenant may name in `slack.channel_id` only a channel where the tenant’s people raised an alert from Slack, or one the operator granted the tenant (`TENANT_SLACK_CHANNELS`); any other is a 422 naming `slack.channel_id`. A key bound to no tenant may name any channel.'
      : `${RAISE_DESCRIPTION} The alert’s \`origin\` is \`slack\`: its message is Slack markup as Slack sent it (mentions, escaped \`&\`, \`<\`, \`>\`) and is shown as such. Only a key bound to no tenant may call it.`,
    tags: [ALERT_TAG],
    parameters: [
      {
        name: REQUEST_ID_HEADER,
        in: 'header',
        required: false,
        description: 'Idempotency key: a retry with the same id returns the first answer (a refused request stays refused). Echoed on every response; a malformed one is refused with 422 on every route.',
        schema: { type: 'string', pattern: ACCEPTABLE_ID.source },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: schemaRef(api ? 'CreateAlertRequest' : 'SlackAlertRequest'),
          example: api
            ? { tenant_id: 'T024BE7LD', message: 'checkout is down', severity: 'critical', source: 'billing-api', targets: [{ slack_user_id: 'U024BE7LH' }, { phone: '+14155550101' }] }
            : { tenant_id: 'T024BE7LD', message: 'checkout is down, see <#C024BE91L>', severity: 'critical', targets: [{ slack_user_id: 'U024BE7LH' }], slack: { channel_id: 'C024BE91L', user_id: 'U024BE7LJ' } },
        },
      },
    },
    responses: {
      '201': json('The alert raised.', schemaRef('Alert')),
      '200': json('An open alert of the tenant already has this `dedup_key`: that alert, unchanged.', schemaRef('Alert')),
      '400': responseRef('InvalidJson'),
      '401': responseRef(api ? 'Unauthorized' : 'GatewayOnly'),
      // The gateway's route takes unbound keys only (401 otherwise), so it never meets a foreign tenant.
      ...(api ? { '403': responseRef('Forbidden') } : {}),
      '413': responseRef('PayloadTooLarge'),
      '422': responseRef('InvalidField'),
      '429': responseRef('RateLimited'),
      '503': responseRef('DatabaseUnavailable'),
    },
  };
}

const TWILIO_TAG = 'twilio';
const deliveryIdParameter: Parameter = { name: 'deliveryId', in: 'path', required: true, description: 'The delivery the callback is about: Klaxon put it in the URL it gave Twilio.', schema: { type: 'string', format: 'uuid' } };
const twiml = (description: string): ResponseObject => ({ description, content: { 'text/xml': { schema: { type: 'string', description: 'TwiML: `<Response>…</Response>`.' } } } });

/** The gateway's forward of one of Twilio's webhooks, after it checked X-Twilio-Signature. */
function twilioOperation(operationId: string, summary: string, description: string, example: Record<string, string>, answer: ResponseObject, parameters: Parameter[]): Operation {
  return {
    operationId,
    summary,
    description: `${description} The gateway checked Twilio’s signature and forwards the form fields as a JSON object of strings; only a key bound to no tenant may call it. Each webhook is processed once, by its kind, SID and what it reports: a repeat (Twilio’s retry, or a replay of the signed request) gets the first answer and changes nothing. A webhook without a SID is a 422.`,
    tags: [TWILIO_TAG],
    parameters,
    requestBody: { required: true, content: { 'application/json': { schema: fromZod(twilioFieldsSchema), example } } },
    responses: {
      ...(answer.content ? { '200': answer } : { '204': answer }),
      '400': responseRef('InvalidJson'),
      '401': responseRef('GatewayOnly'),
      ...(parameters.length ? { '404': errorResponse('not_found', 'No such delivery.') } : {}),
      '409': errorResponse('in_progress', 'Another copy of this webhook (same SID and report) is being processed and did not finish in time; sent again, it gets that copy’s answer.'),
      '413': responseRef('PayloadTooLarge'),
      '422': responseRef('InvalidField'),
      '503': responseRef('DatabaseUnavailable'),
    },
  };
}

const paths: Record<string, PathItem> = {
  '/twilio/status/{deliveryId}': {
    post: twilioOperation(
      'twilioStatus',
      'A message’s or call’s status from Twilio (StatusCallback, answering machine verdict)',
      'Records the status if it is further along than the one stored (never backwards: repeats and late ones change nothing). A WhatsApp message `undelivered`/`failed` falls back to SMS once; a call `busy`, `no-answer`, `failed` or answered by a machine (`AnsweredBy`) runs the next escalation round now.',
      { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered' },
      { description: 'Recorded (or already known).' },
      [deliveryIdParameter],
    ),
  },
  '/twilio/keypress/{deliveryId}': {
    post: twilioOperation(
      'twilioKeypress',
      'A key pressed during a page call',
      '`1` acknowledges the alert as the person called (once: a repeat is told it is already acknowledged), `2` passes it to the next escalation round now.',
      { CallSid: 'CA0123456789abcdef0123456789abcdef', Digits: '9' },
      twiml('What the call says before it hangs up.'),
      [deliveryIdParameter],
    ),
  },
  '/twilio/inbound': {
    post: twilioOperation(
      'twilioInbound',
      'An SMS or WhatsApp message to Klaxon’s number',
      '`ack 42-K7`, `resolve 42-K7` (the number and the code the page printed), `ack 42`, or `ack` act as the person paged, only on an alert that number was paged for and only when the reply names one alert without doubt: a number alone when one open alert of it was paged there, `ack` alone when one triggered alert was paged there in the last hour. Anything else is refused with the choices to type. `HELP` gets one line.',
      { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+14155550101', Body: 'ack 1-K7' },
      twiml('One short message back (`<Message>`).'),
      [],
    ),
  },
  '/alert': { post: raiseOperation('api') },
  '/slack/alert': { post: raiseOperation('slack') },
  '/alerts': {
    get: {
      operationId: 'listAlerts',
      summary: 'List a tenant’s alerts, newest first',
      description: 'Keyset pagination: pass `next_cursor` as `cursor` to get the next (older) page.',
      tags: [ALERT_TAG],
      parameters: parametersOf('query', listQuerySchema, {
        tenant_id: 'The tenant; defaults to the service key’s own when the key is bound to one.',
        status: 'Only alerts in this status.',
        severity: 'Only alerts of this severity.',
        since: 'Only alerts raised at or after this time.',
        limit: 'Page size.',
        cursor: '`next_cursor` of the previous page, unchanged.',
      }),
      responses: {
        '200': json('A page of alerts.', schemaRef('AlertList')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/alerts/{ref}': {
    get: {
      operationId: 'getAlert',
      summary: 'Get one alert',
      tags: [ALERT_TAG],
      parameters: alertRefParameters,
      responses: {
        '200': json('The alert.', schemaRef('Alert')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/alerts/{ref}/events': {
    get: {
      operationId: 'listAlertEvents',
      summary: 'Get an alert’s audit trail',
      description: 'Every change to the alert, oldest first: who, when, what, and the note given.',
      tags: [ALERT_TAG],
      parameters: alertRefParameters,
      responses: {
        '200': json('The alert’s events.', schemaRef('AlertEvents')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/alerts/{ref}/acknowledge': { put: transitionOperation('acknowledge', 'acknowledged') },
  '/alerts/{ref}/resolve': { put: transitionOperation('resolve', 'resolved') },
  '/stats/{tenant_id}': {
    get: {
      operationId: 'getAlertStats',
      summary: 'Count a tenant’s alerts by status and severity',
      tags: [ALERT_TAG],
      parameters: parametersOf('path', z.object({ tenant_id: tenantIdSchema }), { tenant_id: 'The tenant (a Slack team id or a service’s slug).' }),
      responses: {
        '200': json('The tenant’s counts and mean response times.', schemaRef('AlertStats')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/contacts/{tenant_id}/{slack_user_id}': {
    put: {
      parameters: contactParameters,
      operationId: 'setContact',
      summary: 'Set a person’s own number, email and preferences',
      description:
        'What `/alert email` and `/alert prefs` send, and operators. Give any of the fields; those not given stay as stored, and `null` clears `email`, `time_zone` or `quiet_hours`. ' +
        'The number is normalised to E.164 (numbers without `+` are read in DEFAULT_PHONE_REGION) and wins over the Slack profile from then on; the email is lower-cased. ' +
        'A number set here is trusted as given (no code) and drops any number the person gave in Slack that is still waiting for its code; `/alert phone` itself goes through `/slack/contacts/…/phone`. ' +
        '422 names the field when the result would not hold together: `email` among the channels without an address, quiet hours without a time zone.',
      tags: [CONTACT_TAG],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: schemaRef('UpsertContactRequest'),
            example: { phone: '+44 20 7946 0958', email: 'Jane@Example.com', channels: ['whatsapp', 'voice', 'email'], time_zone: 'Europe/London', quiet_hours: { start: '22:00', end: '07:00' } },
          },
        },
      },
      responses: {
        '200': json('The contact as stored, phone and email masked.', schemaRef('Contact')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '413': responseRef('PayloadTooLarge'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
    get: {
      operationId: 'getContact',
      summary: 'Show a person’s stored contact',
      parameters: contactParameters,
      tags: [CONTACT_TAG],
      responses: {
        '200': json('The contact, phone and email masked.', schemaRef('Contact')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/integrations/alertmanager': {
    post: {
      operationId: 'receiveAlertmanagerWebhook',
      summary: 'Raise and resolve alerts from a Prometheus Alertmanager webhook',
      description:
        'Alertmanager’s webhook payload, version 4; authenticate with `Authorization: Bearer <service key>` (what `http_config.authorization` sends) or the service-key header. ' +
        'The receiver URL is authoritative: its `page` parameter names whom every alert pages, whatever the alerts’ labels say. Only without it does an alert’s `page` label name people, Slack user ids only (E.164 numbers too with `allow_numbers=true`). ' +
        'A group is taken alert by alert: an alert whose label Klaxon refuses, or that fails the schema, is still recorded — paged to the receiver URL’s people when it names some, else paging nobody — and listed in `problems` with its index, field and reason. ' +
        'An alert’s severity comes from the `severity` label, its message from the `summary` annotation (else the alert name and labels), its `dedup_key` is `alertmanager:<fingerprint>:<hash of the receiver>` (one Klaxon alert per fingerprint and receiver: an alert Alertmanager routes to two receivers with `continue: true` pages the people of both) and its `origin` is `alertmanager`. ' +
        'A firing alert already open pages no one again; a resolved one resolves the open alert of its fingerprint and receiver (actor `alertmanager`; an alert raised before dedup keys named the receiver, keyed by the bare fingerprint, is found too). ' +
        `More than ${SUMMARY_THRESHOLD} new firing alerts for the same people in one webhook (or any while that group’s summary is open, or when Alertmanager left alerts out: \`truncatedAlerts\`) page those people once with a summary, the alerts themselves recorded without paging. ` +
        'Each page raised counts against the tenant and global rate limits. ' +
        `The body may be up to ${ALERTMANAGER_BODY_LIMIT_BYTES / 1024 / 1024} MB (a whole group; no cap on the number of alerts). What Klaxon cannot take now — a larger body, a rate limit, PostgreSQL unreachable — is a 503 with \`Retry-After\`, never a 4xx, which Alertmanager would not retry.`,
      tags: [ALERT_TAG],
      security: [{ serviceKey: [] }, { bearer: [] }],
      parameters: parametersOf('query', alertmanagerQuerySchema, {
        tenant_id: 'The tenant the alerts are for; a key bound to a tenant must name its own (403 otherwise).',
        page: 'Whom every alert of this receiver pages, over any `page` label: Slack user ids and/or E.164 numbers, comma-separated (`U024BE7LH,%2B14155550101`: in a URL the `+` is `%2B`).',
        allow_numbers: '`true`: without a `page` parameter, an alert’s `page` label may name E.164 numbers as well as Slack user ids (by default a label names Slack users only: whoever writes alert rules cannot page any number in the world).',
        channel: 'The Slack channel id the alerts’ messages are posted to (the bot must be in it); none when omitted.',
      }),
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: schemaRef('AlertmanagerWebhook'),
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
      responses: {
        '200': json('What was raised, recorded, summarised, deduplicated and resolved.', schemaRef('AlertmanagerOutcome')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('Unauthorized'),
        '403': responseRef('Forbidden'),
        '422': responseRef('InvalidField'),
        '503': responseRef('AlertmanagerRetryLater'),
      },
    },
  },
  '/contacts/import': {
    post: {
      operationId: 'importContacts',
      summary: 'Import a contact directory (CSV)',
      description:
        `\`${CSV_MEDIA_TYPE}\` with a header line naming some of the columns ${CONTACT_CSV_COLUMNS.join(', ')} (\`slack_user_id\` required), up to ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MB. ` +
        'Every row is checked with the rules of `PUT /contacts` (phone to E.164, email, channels separated by `;`, IANA time zone); an empty cell keeps what is stored. ' +
        'A cell that starts with `\'` before `=`, `+`, `-`, `@`, a tab or a carriage return loses that one quote (the export’s guard against spreadsheet formulas). ' +
        'The valid rows are written in one transaction and the others listed by line and column; the answer is 200 either way. ' +
        'Imported numbers replace a copy of the Slack profile number, never one the person set themselves unless `overwrite=self`; imported rows get source `import`. A number imported is trusted as given and drops any number waiting for its code.',
      tags: [CONTACT_TAG],
      parameters: parametersOf('query', importQuerySchema, {
        tenant_id: 'The tenant whose directory this is; a key bound to a tenant may import only its own.',
        dry_run: '`true`: check and count, write nothing.',
        overwrite: '`self`: replace numbers (and fields) people set themselves too.',
      }),
      requestBody: {
        required: true,
        content: {
          [CSV_MEDIA_TYPE]: {
            schema: { type: 'string' },
            example: `${CONTACT_CSV_COLUMNS.join(',')}\nU024BE7LH,Jane Doe,+44 20 7946 0958,jane@example.com,whatsapp;voice;email,Europe/London\n`,
          },
        },
      },
      responses: {
        '200': json('What was imported (or would be, on a dry run), and the refused lines.', schemaRef('ContactImport')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '413': responseRef('CsvTooLarge'),
        '415': responseRef('NotCsv'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/contacts/export': {
    get: {
      operationId: 'exportContacts',
      summary: 'Export a contact directory (CSV)',
      description:
        'The tenant’s contacts in the import’s format, numbers and addresses in full (the operator’s own data; `Cache-Control: no-store`). Quiet hours are not part of the file. ' +
        'A cell other than `phone` that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `\'` so a spreadsheet shows it as text (OWASP’s CSV injection advice); the import removes that quote again.',
      tags: [CONTACT_TAG],
      parameters: parametersOf('query', exportQuerySchema, { tenant_id: 'The tenant; a key bound to a tenant may export only its own.' }),
      responses: {
        '200': { description: 'The directory, header first.', content: { [CSV_MEDIA_TYPE]: { schema: { type: 'string' } } } },
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/integrations/pagerduty/{tenant_id}': {
    put: {
      operationId: 'setPagerDuty',
      summary: 'Send a tenant’s serious alerts to PagerDuty',
      description:
        'An alert of `min_severity` or above (default `critical`) is sent to PagerDuty’s Events API v2 as a `trigger` event (dedup key: the alert id; severity critical→critical, high→error, medium→warning, low→info), and its acknowledgement and resolution follow as `acknowledge` and `resolve`. ' +
        'Sent by durable jobs: 429, 5xx and timeouts are retried with backoff, a 400 is not and is said in the alert’s Slack thread and its events. Replaces earlier settings.',
      tags: [INTEGRATION_TAG],
      parameters: parametersOf('path', z.object({ tenant_id: tenantIdSchema }), { tenant_id: 'The tenant; a key bound to a tenant may set only its own.' }),
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schemaRef('PagerDutySettingsRequest'), example: { routing_key: 'R0123456789abcdef0123456789ABCDE', min_severity: 'high' } } },
      },
      responses: {
        '200': json('The settings as stored, key masked.', schemaRef('PagerDutySettings')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '413': responseRef('PayloadTooLarge'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
    get: {
      operationId: 'getPagerDuty',
      summary: 'Show a tenant’s PagerDuty settings (key masked)',
      tags: [INTEGRATION_TAG],
      parameters: parametersOf('path', z.object({ tenant_id: tenantIdSchema }), { tenant_id: 'The tenant; a key bound to a tenant may read only its own.' }),
      responses: {
        '200': json('The settings, key masked.', schemaRef('PagerDutySettings')),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/test-pages': {
    post: {
      operationId: 'sendTestPages',
      summary: 'Send a person a page marked TEST on each channel they accept',
      description:
        'What `/alert test` sends (at most 3 per person in 10 minutes). Each accepted channel gets one TEST page straight through its sender, one after another; the answer says per channel what the provider did. ' +
        'No alert, delivery, escalation or channel message is created: nothing shows in lists or counts.',
      tags: [CONTACT_TAG],
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('TestPagesRequest'), example: { tenant_id: 'T024BE7LD', slack_user_id: 'U024BE7LH' } } } },
      responses: {
        '200': json('What happened on each channel.', schemaRef('TestPages')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('Unauthorized'),
        '404': responseRef('NotFound'),
        '422': responseRef('InvalidField'),
        '429': json('More than 3 test pages for this person in 10 minutes; `Retry-After` says how long to wait.', schemaRef('Error')),
      },
    },
  },
  // Verified numbers: the gateway's private routes for `/alert phone` and `/alert phone verify`.
  '/slack/contacts/{tenant_id}/{slack_user_id}/phone': {
    get: {
      operationId: 'getOwnPhone',
      summary: 'Show a person’s number and the one waiting for its code (`/alert phone`)',
      description: 'The gateway’s route: only a key bound to no tenant may call it.',
      tags: [CONTACT_TAG],
      parameters: contactParameters,
      responses: {
        '200': json('The number pages use and the pending one, masked.', schemaRef('PhoneStatus')),
        '401': responseRef('GatewayOnly'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
    put: {
      operationId: 'requestPhoneCode',
      summary: 'A person gives their own number: store it as pending and send it a code (`/alert phone +…`)',
      description:
        'The gateway’s route (a key bound to no tenant). The number is normalised to E.164 and stored as pending, replacing any pending one; a six-digit code goes to it at once (SMS, or WhatsApp when no SMS sender is configured), and the answer waits for the send. ' +
        'Until the code is confirmed, pages keep using the stored number (or the Slack profile’s). A number that already is the stored one is kept without a code. ' +
        'One code per person every 30 s and 5 per hour; at most 3 codes per hour and 10 per day to one number, whoever asks in whichever tenant; at most `PHONE_CODE_LIMIT_GLOBAL` (100) per hour in all (429 with `Retry-After` beyond any of them). The same number again within 30 s answers with the code already sent, and sends nothing. A code expires after 10 minutes. Only a salted hash of the code is stored; the code is never logged (except by the log channel that stands in for SMS in development). Operators set numbers with `PUT /contacts/…`, trusted as given.',
      tags: [CONTACT_TAG],
      parameters: contactParameters,
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('OwnPhoneRequest'), example: { phone: '+44 20 7946 0958' } } } },
      responses: {
        '200': json('The code was sent; the number is pending (or it already was the stored one).', schemaRef('PhoneStatus')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('GatewayOnly'),
        '413': responseRef('PayloadTooLarge'),
        '422': json(
          'The number or a path parameter is invalid (`invalid_field`, the detail names it), or no channel that can carry a code is configured (`not_sent`, the detail says what to set).',
          { type: 'object', allOf: [schemaRef('Error')], properties: { error: { enum: ['invalid_field', 'not_sent'] } } },
        ),
        '429': json('A limit on codes holds: this person’s (1 per 30 s, 5 per hour), the number’s (3 per hour, 10 per day) or the installation’s; `detail` says which and `Retry-After` how long to wait.', { type: 'object', allOf: [schemaRef('Error')], properties: { error: { const: 'rate_limited' } } }),
        '502': errorResponse('not_sent', 'The provider refused or failed to send the code (the detail gives its words); nothing was stored.'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/slack/contacts/{tenant_id}/{slack_user_id}/phone/verify': {
    post: {
      operationId: 'verifyPhone',
      summary: 'Confirm the pending number with its code (`/alert phone verify 123456`)',
      description:
        'The gateway’s route (a key bound to no tenant). The right code makes the pending number the one pages use. A wrong code costs one of 5 attempts (409 saying how many are left); an expired code or one whose attempts are used up is refused even when right, and the person asks for a new one.',
      tags: [CONTACT_TAG],
      parameters: contactParameters,
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('VerifyPhoneRequest'), example: { code: '123456' } } } },
      responses: {
        '200': json('Confirmed: the number pages use from now on; nothing pending.', schemaRef('PhoneStatus')),
        '400': responseRef('InvalidJson'),
        '401': responseRef('GatewayOnly'),
        '409': errorResponse('verification_failed', 'Wrong code (the detail says how many attempts are left), expired, attempts used up, or no number waiting for a code; nothing was confirmed.'),
        '413': responseRef('PayloadTooLarge'),
        '422': responseRef('InvalidField'),
        '503': responseRef('DatabaseUnavailable'),
      },
    },
  },
  '/health': {
    get: {
      operationId: 'getHealth',
      summary: 'Whether this backend can page',
      description: 'Unauthenticated, for supervisors and probes: 200 only when PostgreSQL answers, the job runner runs (when started) and the oldest due job has waited less than HEALTH_MAX_BACKLOG_AGE.',
      tags: [OPS_TAG],
      security: PUBLIC,
      responses: {
        '200': json('Healthy: it can page.', { type: 'object', allOf: [schemaRef('Health')], properties: { status: { const: 'healthy' }, db: { const: 'up' }, problems: { type: 'array', maxItems: 0 } } }),
        '422': responseRef('InvalidRequestId'),
        '503': json('It cannot page: PostgreSQL is unreachable, the job runner stopped, or the backlog is too old (`problems` says which).', { type: 'object', allOf: [schemaRef('Health')], properties: { status: { const: 'unhealthy' }, problems: { type: 'array', minItems: 1 } } }),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'Unauthenticated like /health: the backend listens on loopback only, and labels carry no ids or phone numbers.',
      tags: [OPS_TAG],
      security: PUBLIC,
      responses: {
        '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        '422': responseRef('InvalidRequestId'),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      description: 'Unauthenticated: it describes the API and reveals no secrets.',
      tags: [OPS_TAG],
      security: PUBLIC,
      responses: {
        '200': json('The OpenAPI 3.1 description of this API.', { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } } }),
        '422': responseRef('InvalidRequestId'),
      },
    },
  },
};

// ── On call: schedules, overrides, escalation policies, services (issue 22). One block, so a change of how this
// document is made can move it whole. ──

type OnCallSchemaName =
  | 'OnCallSegment'
  | 'Shifts'
  | 'Schedule'
  | 'ScheduleList'
  | 'ScheduleRequest'
  | 'Override'
  | 'OverrideList'
  | 'OverrideRequest'
  | 'EscalationPolicy'
  | 'EscalationPolicyList'
  | 'EscalationPolicyRequest'
  | 'Service'
  | 'ServiceList'
  | 'ServiceRequest'
  | 'OnCallOverview'
  | 'InUse';
const oncallRef = (name: OnCallSchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const slugPattern = { type: 'string', pattern: SLUG_PATTERN.source } as const;
const slackUser = (description: string): TypedSchema => ({ type: 'string', pattern: SLACK_USER_ID_PATTERN.source, description });

// Every kind a tenant names: who owns it, its name, and when it was written.
const ownedBy = { tenant_id: { type: 'string' }, name: slugPattern } as const;
const written = (what: string) => ({ created_at: timestamp(`When the ${what} was created.`), updated_at: timestamp('When it was last replaced.') });

const escalationTargetSchema: JsonSchema = {
  oneOf: [
    { type: 'object', properties: { schedule: { ...slugPattern, description: 'Whoever is on call in this schedule when the step fires.' } }, required: ['schedule'], additionalProperties: false },
    { type: 'object', properties: { person: slackUser('This person, whenever the step fires.') }, required: ['person'], additionalProperties: false },
  ],
};

const onCallNowSchema = dtoSchema<OnCallNowDto>(
  {
    schedule: nullable({ ...slugPattern, description: 'The schedule; null for a person the step names directly (on call for it at all hours).' }),
    person: nullable(slackUser('Who is on call; null: nobody.')),
    source: nullable({ type: 'string', description: 'The layer’s name, or `override`; null for a named person or nobody.' }),
    until: nullable(timestamp(`When someone else (or nobody) takes over; null when nothing changes within ${MAX_ONCALL_WINDOW_DAYS} days, or for a named person.`)),
    next: {
      ...dtoSchema<NonNullable<OnCallNowDto['next']>>({ person: nullable(slackUser('Who takes over; null: nobody.')), start: timestamp('The same instant as `until`.') }),
      type: ['object', 'null'],
      description: 'Who follows at `until`; null with it.',
    },
  },
  'Who is on call now, until when, and who is next: consecutive layers and overrides of one person count as one stretch.',
);

const oncallSchemas: Record<OnCallSchemaName, JsonSchema> = {
  OnCallSegment: dtoSchema<OnCallSegmentDto>(
    {
      person: nullable(slackUser('Who is on call; null: nobody (a gap).')),
      source: nullable({ type: 'string', description: 'The layer’s name, or `override`; null with `person`.' }),
      start: timestamp('Start of the segment (inclusive).'),
      end: timestamp('End of the segment (exclusive).'),
    },
    '`[start, end)` with one answer: the same person from the same source throughout.',
  ),
  Shifts: dtoSchema<ShiftsDto>({
    shifts: { type: 'array', items: oncallRef('OnCallSegment'), description: 'Tiling `[at, until)` exactly: the first starts at `at`, each starts where the one before ends, the last ends at `until`.' },
  }),
  Schedule: dtoSchema<ScheduleDto>(
    {
      ...ownedBy,
      time_zone: { type: 'string', description: 'IANA zone of hand-offs and duty hours, canonically spelt.' },
      layers: {
        type: 'array',
        description: 'Bottom first: at any instant the last layer on duty answers.',
        items: dtoSchema<LayerDto>({
          name: { ...slugPattern, description: '`layer-N` (by position) when the request gave none.' },
          members: { type: 'array', items: slackUser('A member, in turn order.') },
          shift: { type: 'string', description: 'Canonical: `1w`, `1d`, `12h`.' },
          handoff: { type: 'string', pattern: WALL_CLOCK_PATTERN.source, description: 'Wall-clock time in `time_zone` when `members[0]` takes over.' },
          restrict: {
            type: ['array', 'null'],
            description: 'Duty hours; null: on duty at all hours.',
            items: dtoSchema<RestrictionDto>({
              days: { type: 'array', items: { type: 'string', enum: [...WEEKDAYS] } },
              from: { type: 'string', pattern: TIME_OF_DAY_PATTERN.source },
              to: { type: 'string', pattern: TIME_OF_DAY_PATTERN.source },
            }),
          },
        }),
      },
      oncall_now: oncallRef('OnCallSegment'),
      ical_url: { type: 'string', format: 'uri', description: 'The calendar subscription, `PUBLIC_BASE_URL/calendar/<token>.ics`; a secret (anyone with it reads the schedule). `POST …/calendar-token` replaces it.' },
      ...written('schedule'),
    },
    'A schedule, who is on call in it at the moment of the answer, and its calendar URL.',
  ),
  ScheduleList: dtoSchema<ScheduleListDto>({ schedules: { type: 'array', items: oncallRef('Schedule'), description: 'By name.' } }),
  ScheduleRequest: fromZod(scheduleRequestSchema),
  Override: dtoSchema<OverrideDto>(
    {
      id: { type: 'string', format: 'uuid' },
      schedule: slugPattern,
      person: slackUser('On call for `[start, end)`, over every layer.'),
      start: timestamp('Start (inclusive).'),
      end: timestamp('End (exclusive).'),
      created_at: timestamp('Where overrides overlap, the one created last wins.'),
    },
    'An override of a schedule.',
  ),
  OverrideList: dtoSchema<OverrideListDto>({ overrides: { type: 'array', items: oncallRef('Override'), description: 'In the order they were created.' } }),
  OverrideRequest: fromZod(overrideRequestSchema),
  EscalationPolicy: dtoSchema<EscalationPolicyDto>(
    {
      ...ownedBy,
      steps: {
        type: 'array',
        items: dtoSchema<EscalationStepDto>({
          targets: { type: 'array', items: escalationTargetSchema },
          escalate_after: { type: 'string', description: 'Canonical duration (`5m`, `1h30m`): how long the step waits for an acknowledgement before the next fires.' },
        }),
      },
      repeat: { type: 'integer', minimum: 0, maximum: MAX_POLICY_REPEAT, description: 'How many times all the steps run again after the last.' },
      ...written('policy'),
    },
    'An escalation policy.',
  ),
  EscalationPolicyList: dtoSchema<EscalationPolicyListDto>({ escalation_policies: { type: 'array', items: oncallRef('EscalationPolicy'), description: 'By name.' } }),
  EscalationPolicyRequest: fromZod(escalationPolicyRequestSchema),
  Service: dtoSchema<ServiceDto>(
    {
      ...ownedBy,
      escalation_policy: slugPattern,
      slack_channel: nullable({ type: 'string', description: 'Where the service’s alerts are posted unless a raise names a channel.' }),
      slack_usergroup: nullable({ type: 'string', description: 'The Slack user group whose mention pages the service; one service per group.' }),
      ...written('service'),
    },
    'A service: paged by name, through its escalation policy.',
  ),
  ServiceList: dtoSchema<ServiceListDto>({ services: { type: 'array', items: oncallRef('Service'), description: 'By name.' } }),
  ServiceRequest: fromZod(serviceRequestSchema),
  OnCallOverview: dtoSchema<OnCallOverviewDto>(
    {
      tenant_id: { type: 'string' },
      at: timestamp('The moment of the answer.'),
      services: {
        type: 'array',
        description: 'Per service (or the one named), by name.',
        items: dtoSchema<ServiceOnCallDto>({
          name: slugPattern,
          escalation_policy: slugPattern,
          step: { type: 'integer', minimum: 1, description: 'The step a page reaches first: the first whose targets find someone on call (1 when none does).' },
          on_call: { type: 'array', items: onCallNowSchema, description: 'That step’s targets, in order.' },
        }),
      },
      schedules: { type: 'array', items: onCallNowSchema, description: 'Per schedule (or the one named), by name: only when no service answers.' },
    },
    'Who is on call now: what `/alert oncall [name]` shows.',
  ),
  InUse: dtoSchema<InUseBody>(
    {
      error: { const: 'in_use' },
      detail: { type: 'string', description: 'Names who uses it and what to do first.' },
      used_by: { type: 'array', items: slugPattern, description: 'The policies (of a schedule) or services (of a policy) that use it.' },
    },
    'Still used: nothing was deleted.',
  ),
};

const ONCALL_TAG = 'oncall';
const tenantPath: Parameter = { name: 'tenant_id', in: 'path', required: true, description: 'The tenant (Slack team id); a key bound to a tenant reaches only its own (404 otherwise).', schema: fromZod(tenantIdSchema) };
const namePath = (what: string): Parameter => ({ name: 'name', in: 'path', required: true, description: `The ${what}’s name, unique in the tenant.`, schema: fromZod(slugSchema) });
const oncallNotFound = (what: string) => errorResponse('not_found', `No such ${what} in the tenant, or a tenant this service key may not see.`);

/** The answers every on-call operation shares, around its own. */
function oncallOperation(operation: Omit<Operation, 'tags' | 'responses'>, what: string, responses: Operation['responses'], body = false): Operation {
  return {
    ...operation,
    tags: [ONCALL_TAG],
    responses: {
      ...responses,
      ...(body ? { '400': responseRef('InvalidJson'), '413': responseRef('PayloadTooLarge') } : {}),
      '401': responseRef('Unauthorized'),
      '404': oncallNotFound(what),
      '422': responseRef('InvalidField'),
      '503': responseRef('DatabaseUnavailable'),
    },
  };
}

/** PUT, GET, DELETE `/<collection>/{tenant_id}/{name}` and GET `/<collection>/{tenant_id}`: alike for the three kinds. */
function namedResourcePaths(
  collection: string,
  what: string,
  names: { one: string; plural: string; schema: OnCallSchemaName; list: OnCallSchemaName; request: OnCallSchemaName },
  put: { description: string; example: object },
  deleteDescription: string,
  inUse: boolean,
): Record<string, PathItem> {
  const parameters = [tenantPath, namePath(what)];
  return {
    [`/${collection}/{tenant_id}`]: {
      get: oncallOperation({ operationId: `list${names.plural}`, summary: `List a tenant’s ${what.replace(/y$/, 'ie')}s`, parameters: [tenantPath] }, 'tenant', {
        '200': json(`The tenant’s ${what.replace(/y$/, 'ie')}s, by name.`, oncallRef(names.list)),
      }),
    },
    [`/${collection}/{tenant_id}/{name}`]: {
      put: oncallOperation(
        {
          operationId: `put${names.one}`,
          summary: `Create or replace a ${what}`,
          description: put.description,
          parameters,
          requestBody: { required: true, content: { 'application/json': { schema: oncallRef(names.request), example: put.example } } },
        },
        what,
        { '200': json(`Replaced: the ${what} as stored.`, oncallRef(names.schema)), '201': json(`Created: the ${what} as stored.`, oncallRef(names.schema)) },
        true,
      ),
      get: oncallOperation({ operationId: `get${names.one}`, summary: `Show a ${what}`, parameters }, what, { '200': json(`The ${what}.`, oncallRef(names.schema)) }),
      delete: oncallOperation({ operationId: `delete${names.one}`, summary: `Delete a ${what}`, description: deleteDescription, parameters }, what, {
        '204': { description: 'Deleted.' },
        ...(inUse ? { '409': json('Still used; nothing was deleted. `used_by` names the users.', oncallRef('InUse')) } : {}),
      }),
    },
  };
}

const oncallPaths: Record<string, PathItem> = {
  ...namedResourcePaths(
    'schedules',
    'schedule',
    { one: 'Schedule', plural: 'Schedules', schema: 'Schedule', list: 'ScheduleList', request: 'ScheduleRequest' },
    {
      description:
        'Layers of rotations in `time_zone`: `members[0]` takes over at `handoff` (wall-clock time), and every `shift` later the next member, round and round. Day and week shifts keep the wall-clock hand-off across daylight saving (09:00 stays 09:00); hour shifts count elapsed hours; shifts are at least `1h` and never mix days with hours. ' +
        '`restrict` puts a layer on duty only in its windows `[from, to)` (`to` ≤ `from` runs past midnight). At any instant the last layer on duty answers, and an override beats every layer. ' +
        'A replace keeps the overrides and the calendar URL. 422 names the field: an unknown zone, a zero or mixed shift, a member that is not a Slack user id, a hand-off that is no wall-clock time.',
      example: {
        time_zone: 'Europe/Berlin',
        layers: [
          { name: 'weekly', members: ['U024BE7LH', 'U024BE7LJ'], shift: '1w', handoff: '2026-12-07T09:00' },
          { name: 'office-hours', members: ['U024BE7LK'], shift: '1d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] },
        ],
      },
    },
    'Deletes the schedule and its overrides; its calendar URL stops working. Refused (409) while an escalation policy names it.',
    true,
  ),
  '/schedules/{tenant_id}/{name}/calendar-token': {
    post: oncallOperation(
      {
        operationId: 'replaceScheduleCalendarToken',
        summary: 'Give a schedule a new calendar URL',
        description: 'A new random token: the old `ical_url` stops working at once (for a URL that leaked).',
        parameters: [tenantPath, namePath('schedule')],
      },
      'schedule',
      { '200': json('The schedule with its new `ical_url`.', oncallRef('Schedule')) },
    ),
  },
  '/schedules/{tenant_id}/{name}/oncall': {
    get: oncallOperation(
      {
        operationId: 'getScheduleOnCall',
        summary: 'Who is on call at an instant, or the shifts of a window',
        description: `Without \`until\`: the segment holding \`at\` (now when left out), i.e. the longest interval around it with the same person from the same source (followed at most ${MAX_ONCALL_WINDOW_DAYS} days either way). With \`until\`: the segments tiling \`[at, until)\`, at most ${MAX_ONCALL_WINDOW_DAYS} days; nobody on call is a segment with \`person\` null.`,
        parameters: [
          tenantPath,
          namePath('schedule'),
          ...parametersOf('query', onCallQuerySchema, { at: 'An ISO 8601 instant with its offset; now when left out.', until: `End of the window (exclusive), after \`at\` and at most ${MAX_ONCALL_WINDOW_DAYS} days later.` }),
        ],
      },
      'schedule',
      { '200': json('The segment holding `at`, or (with `until`) the shifts.', { oneOf: [oncallRef('OnCallSegment'), oncallRef('Shifts')] }) },
    ),
  },
  '/schedules/{tenant_id}/{name}/overrides': {
    post: oncallOperation(
      {
        operationId: 'createOverride',
        summary: 'Put someone on call over a schedule’s layers',
        description: '`person` is on call for `[start, end)` whatever the layers say, at once (it counts from `start`, past or future). Where overrides overlap, the one created last wins. 422 names the field: `end` not after `start`, a person that is not a Slack user id.',
        parameters: [tenantPath, namePath('schedule')],
        requestBody: { required: true, content: { 'application/json': { schema: oncallRef('OverrideRequest'), example: { person: 'U024BE7LJ', start: '2026-12-24T18:00:00+01:00', end: '2026-12-26T09:00:00+01:00' } } } },
      },
      'schedule',
      { '201': json('The override, with the id to delete it by.', oncallRef('Override')) },
      true,
    ),
    get: oncallOperation(
      {
        operationId: 'listOverrides',
        summary: 'List a schedule’s overrides in a window',
        parameters: [
          tenantPath,
          namePath('schedule'),
          ...parametersOf('query', overridesQuerySchema, { from: 'Overrides that end after this; now when left out.', to: `Overrides that start before this; \`from\` + ${MAX_ONCALL_WINDOW_DAYS} days when left out.` }),
        ],
      },
      'schedule',
      { '200': json('The overrides overlapping `[from, to)`, in the order they were created.', oncallRef('OverrideList')) },
    ),
  },
  '/schedules/{tenant_id}/{name}/overrides/{id}': {
    delete: oncallOperation(
      {
        operationId: 'deleteOverride',
        summary: 'Delete an override',
        parameters: [tenantPath, namePath('schedule'), { name: 'id', in: 'path', required: true, description: 'The id its POST answered.', schema: { type: 'string', format: 'uuid' } }],
      },
      'schedule or override',
      { '204': { description: 'Deleted: the layers answer again for its time.' } },
    ),
  },
  ...namedResourcePaths(
    'escalation-policies',
    'escalation policy',
    { one: 'EscalationPolicy', plural: 'EscalationPolicies', schema: 'EscalationPolicy', list: 'EscalationPolicyList', request: 'EscalationPolicyRequest' },
    {
      description:
        'A step pages its targets (a schedule: whoever is on call when the step fires; or a person); if the alert is still triggered `escalate_after` later (at least `5s`), the next step fires; after the last, all the steps run again `repeat` times. ' +
        'A step naming a schedule the tenant does not have is a 422 naming it (`steps[0].targets[1].schedule`).',
      example: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '10m' }, { targets: [{ person: 'U024BE7LK' }], escalate_after: '15m' }], repeat: 1 },
    },
    'Refused (409) while a service pages through it.',
    true,
  ),
  ...namedResourcePaths(
    'services',
    'service',
    { one: 'Service', plural: 'Services', schema: 'Service', list: 'ServiceList', request: 'ServiceRequest' },
    {
      description: 'What people page by name: its escalation policy (the tenant’s, or a 422 naming `escalation_policy`), the channel its alerts go to, and the Slack user group that pages it (one service per group, or a 422 naming `slack_usergroup`).',
      example: { escalation_policy: 'payments-escalation', slack_channel: 'C024BE91L', slack_usergroup: 'S0614TZR7' },
    },
    'Deletes the service; its policy stays.',
    false,
  ),
  '/oncall/{tenant_id}': {
    get: oncallOperation(
      {
        operationId: 'getOnCallOverview',
        summary: 'Who is on call now, per service (`/alert oncall [name]`)',
        description:
          'Per service: the step a page would reach first (the first whose targets find someone on call) and, for each of its targets, who is on call, until when and who is next. ' +
          'With `name`: that service, or else that schedule (404 when neither). Without: every service, or every schedule while the tenant has no services.',
        parameters: [tenantPath, ...parametersOf('query', tenantOnCallQuerySchema, { name: 'A service’s or schedule’s name.' })],
      },
      'service or schedule',
      { '200': json('Who is on call now.', oncallRef('OnCallOverview')) },
    ),
  },
};

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  info: {
    title: 'Klaxon backend',
    // The package's version: the description ships with the build that serves it.
    version: packageVersion,
    description:
      'Private alert service behind the Slack gateway. JSON in, JSON out. Every error is `{error, detail}`; any route may also answer 500 `internal` on an unexpected failure. Every response carries `x-request-id`: the caller’s, or one made when none was sent; a malformed one is refused with 422 on every route.',
  },
  servers: [{ url: 'http://127.0.0.1:5002', description: 'The default listen address (loopback only).' }],
  security: [{ serviceKey: [] }],
  tags: [
    { name: ALERT_TAG, description: 'The alert life cycle: raise, list, acknowledge, resolve, audit, count.' },
    { name: OPS_TAG, description: 'Public, for operators and tools: health, metrics, this document.' },
    { name: INTEGRATION_TAG, description: 'Other systems Klaxon hands alerts to (PagerDuty).' },
    { name: TWILIO_TAG, description: 'Twilio’s webhooks, as the gateway forwards them once their signature checked out.' },
    { name: ONCALL_TAG, description: 'Schedules, overrides, escalation policies and services, and who is on call.' },
  ],
  paths: { ...paths, ...oncallPaths },
  components: {
    schemas: { ...schemas, ...oncallSchemas },
    responses,
    securitySchemes: {
      serviceKey: { type: 'apiKey', in: 'header', name: SERVICE_KEY_HEADER, description: 'One of the keys configured in INTERNAL_SERVICE_KEYS; a key bound to a tenant sees only that tenant.' },
      bearer: { type: 'http', scheme: 'bearer', description: `The same service key as \`Authorization: Bearer <key>\` (what Alertmanager’s \`http_config.authorization\` sends); ${SERVICE_KEY_HEADER} wins when both are sent.` },
    },
  },
};
