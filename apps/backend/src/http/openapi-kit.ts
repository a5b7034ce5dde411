import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { channelNameSchema, SERVICE_KEY_HEADER, type ErrorCode } from '@klaxon/contracts';

// What a routes module needs to describe its routes beside them, in @asteasolutions/zod-to-openapi's terms.
// To document a route: in its module's `…Paths` list add a RouteDoc with its method, OpenAPI path
// (`/alerts/{ref}`), operationId, summary, tag; `request` takes the very zod schemas the handler validates with
// (parameters through `described`, so each gets a description); `responses` list every status it answers,
// bodies as zod schemas (`bodyOf<Dto>()` for a DTO of contracts, `.meta({ id })` to name one), errors from
// ERRORS or `errorResponse`. A new routes module also joins the list in openapi.ts. The route-walk and
// conformance tests (test/integration/openapi.int.test.ts) fail until route and document agree.

/** The groups operations are listed under, and what each holds. */
export const TAGS = {
  alerts: 'The alert life cycle: raise, list, acknowledge, resolve, audit, count.',
  contacts: 'How Klaxon reaches people: their numbers, addresses and preferences, the directory, test pages.',
  oncall: 'Schedules, overrides, escalation policies and services, and who is on call.',
  integrations: 'Other systems Klaxon hands alerts to (PagerDuty).',
  twilio: 'Twilio’s webhooks, as the gateway forwards them once their signature checked out.',
  operations: 'Public, for operators and tools: health, metrics, this document.',
} as const;
export type Tag = keyof typeof TAGS;

/** One operation: its id, summary and tag are required, so no route is listed without them. */
export type RouteDoc = RouteConfig & { method: HttpMethod; operationId: string; summary: string; tags: [Tag] };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** An operation's `security` that makes it public, overriding the document-wide service key. */
export const PUBLIC: RouteDoc['security'] = [];

export const json = (description: string, schema: z.ZodType): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

/** An error response: `{error, detail}` with exactly these codes. */
export function errorResponse(codes: ErrorCode | readonly [ErrorCode, ...ErrorCode[]], description: string): ResponseConfig {
  return json(description, errorBodyOf(typeof codes === 'string' ? [codes] : codes));
}

// One named schema per set of codes (`NotFoundError`, `InvalidFieldOrNotSentError`), so the many responses
// that share one refer to it instead of repeating it.
const errorBodies = new Map<string, z.ZodType>();
function errorBodyOf(codes: readonly [ErrorCode, ...ErrorCode[]]): z.ZodType {
  const id = `${codes.map((code) => code.replace(/(?:^|_)([a-z])/g, (_m, letter: string) => letter.toUpperCase())).join('Or')}Error`;
  let body = errorBodies.get(id);
  if (!body) {
    body = errorBody(codes.length === 1 ? z.literal(codes[0]) : z.enum(codes)).meta({ id });
    errorBodies.set(id, body);
  }
  return body;
}

/** `{error, detail}`, the body of every error; `more` for the few that say more (a 409's current status). */
export const errorBody = <E extends z.ZodType, M extends z.ZodRawShape = Record<never, never>>(error: E, more?: M) =>
  z
    .strictObject({
      error: error.describe('A stable code to branch on.'),
      detail: z.string().describe('A sentence a person can act on; for 422 it names the field.'),
      ...(more as M),
    })
    .describe('Every error response: `{error, detail}`.');

/** The answers most routes share. */
export const ERRORS = {
  invalidJson: errorResponse('invalid_json', 'The body is not valid (UTF-8) JSON.'),
  unauthorized: errorResponse('unauthorized', `The ${SERVICE_KEY_HEADER} header (or \`Authorization: Bearer\` token) is missing or matches no configured key.`),
  forbidden: errorResponse('forbidden', 'The service key is bound to another tenant than the one named; nothing was counted against that tenant’s limits.'),
  gatewayOnly: errorResponse('unauthorized', `The ${SERVICE_KEY_HEADER} header is missing, matches no configured key, or is a key bound to a tenant: this route is the gateway’s.`),
  notFound: errorResponse('not_found', 'No such alert or tenant, or one this service key may not see.'),
  payloadTooLarge: errorResponse('payload_too_large', 'The body is larger than the configured limit (256 kB by default).'),
  invalidField: errorResponse('invalid_field', 'A field, parameter, query value or the `x-request-id` header is invalid; the detail names it and what was expected.'),
  invalidRequestId: errorResponse('invalid_field', 'The `x-request-id` header is malformed (the detail names it); send a valid one, or none.'),
  rateLimited: errorResponse('rate_limited', 'Too many alerts from this Slack user or tenant in the window, or from all tenants together in the last minute (PAGE_LIMIT_*); `Retry-After` says how long to wait.'),
  databaseUnavailable: errorResponse('database_unavailable', 'PostgreSQL is unreachable; nothing was changed. Retry in a few seconds.'),
} satisfies Record<string, ResponseConfig>;

/**
 * A zod object whose fields are described as parameters (`in: path|query|header` comes from where the route
 * puts it): a field without a description does not compile. Validation is the schema's own, unchanged.
 */
export function described<S extends z.ZodObject>(schema: S, descriptions: { [K in keyof S['shape'] & string]: string }): S {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([name, field]) => [name, (field as z.ZodType).meta({ param: { description: descriptions[name as keyof S['shape'] & string] } })]));
  return schema.extend(shape) as unknown as S;
}

/**
 * A response body's schema that must say exactly what its DTO type says: a field missing, one more, or one of
 * another type does not compile (the DTOs shared with the gateway stay plain types in contracts).
 * Strict objects (`z.strictObject`) make the document refuse a field more at run time too.
 */
export const bodyOf =
  <Dto>() =>
  <S extends z.ZodType<Dto>>(schema: S & ([Dto] extends [z.output<S>] ? unknown : { error: 'the schema lacks or narrows a field of the DTO' })): S =>
    schema;

export const timestamp = (description: string) => z.iso.datetime().describe(description);

/** A channel in an answer: a name the backend's channel registry holds, not a closed list. */
export const channelName = (description: string) =>
  channelNameSchema.describe(`${description} A channel this backend registers: as shipped \`whatsapp\`, \`sms\`, \`voice\`, \`email\` (and \`slack\`, the alert's room); \`channel_labels\` says how to show it.`);

/** The labels of the registry's channels, sent with every answer that names channels. */
export const channelLabels = z
  .record(z.string(), z.string())
  .optional()
  .describe('How people read each channel this backend pages on, e.g. `{"whatsapp": "WhatsApp", "voice": "call"}`: show a channel by its label. Always sent by this backend.');
