import { Router, type Response } from 'express';
import { ownPhoneRequestSchema, verifyPhoneRequestSchema } from '@klaxon/contracts';
import type { PhoneVerificationService } from '../contacts/phone-verification.service';
import { RateLimitedError } from '../common/errors';
import { toPhoneStatusDto } from './contact.serializer';
import { phoneStatusSchema } from './contact.schemas';
import { contactParams, contactPath } from './contacts.routes';
import { ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
import { gatewayOnly } from './service-key.middleware';
import { parseInput } from './validate';

const OWN_PHONE_PATH = '/slack/contacts/:tenant_id/:slack_user_id/phone';

/**
 * The number a person gives for themselves in Slack (`/alert phone`), which waits for its code. Private to
 * the gateway: only it speaks for the person, so only an internal key may call these; an operator sets a
 * number with `PUT /contacts/…`, trusted as given.
 */
export function ownPhoneRouter({ phones }: { phones: PhoneVerificationService }): Router {
  const router = Router();
  const slackOnly = gatewayOnly(`${OWN_PHONE_PATH}…`, 'sets a number with PUT /contacts/:tenant_id/:slack_user_id (trusted, no code)');

  router.get(OWN_PHONE_PATH, slackOnly, async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    res.json(toPhoneStatusDto(await phones.status(tenantId, slackUserId)));
  });

  router.put(OWN_PHONE_PATH, slackOnly, async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    const body = parseInput(ownPhoneRequestSchema, req.body);
    const status = await withRetryAfter(res, () => phones.requestCode(tenantId, slackUserId, body.phone));
    res.json(toPhoneStatusDto(status));
  });

  router.post(`${OWN_PHONE_PATH}/verify`, slackOnly, async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    const body = parseInput(verifyPhoneRequestSchema, req.body);
    res.json(toPhoneStatusDto(await phones.confirm(tenantId, slackUserId, body.code)));
  });

  return router;
}

async function withRetryAfter<T>(res: Response, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RateLimitedError && error.retryAfterSeconds !== null) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    throw error;
  }
}

const DOC_PATH = '/slack/contacts/{tenant_id}/{slack_user_id}/phone';
const GATEWAY_ROUTE = 'The gateway’s route (a key bound to no tenant).';

export const ownPhonePaths: RouteDoc[] = [
  {
    method: 'get',
    path: DOC_PATH,
    operationId: 'getOwnPhone',
    summary: 'Show a person’s number and the one waiting for its code (`/alert phone`)',
    description: 'The gateway’s route: only a key bound to no tenant may call it.',
    tags: ['contacts'],
    request: { params: contactPath },
    responses: {
      200: json('The number pages use and the pending one, masked.', phoneStatusSchema),
      401: ERRORS.gatewayOnly,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  },
  {
    method: 'put',
    path: DOC_PATH,
    operationId: 'requestPhoneCode',
    summary: 'A person gives their own number: store it as pending and send it a code (`/alert phone +…`)',
    description:
      `${GATEWAY_ROUTE} The number is normalised to E.164 and stored as pending, replacing any pending one; a six-digit code goes to it at once (SMS, or WhatsApp when no SMS sender is configured), and the answer waits for the send. ` +
      'Until the code is confirmed, pages keep using the stored number (or the Slack profile’s). A number that already is the stored one is kept without a code. ' +
      'One code per person every 30 s and 5 per hour; at most 3 codes per hour and 10 per day to one number, whoever asks in whichever tenant; at most `PHONE_CODE_LIMIT_GLOBAL` (100) per hour in all (429 with `Retry-After` beyond any of them). The same number again within 30 s answers with the code already sent, and sends nothing. A code expires after 10 minutes. Only a salted hash of the code is stored; the code is never logged (except by the log channel that stands in for SMS in development). Operators set numbers with `PUT /contacts/…`, trusted as given.',
    tags: ['contacts'],
    request: {
      params: contactPath,
      body: { required: true, content: { 'application/json': { schema: ownPhoneRequestSchema.meta({ id: 'OwnPhoneRequest' }), example: { phone: '+44 20 7946 0958' } } } },
    },
    responses: {
      200: json('The code was sent; the number is pending (or it already was the stored one).', phoneStatusSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.gatewayOnly,
      413: ERRORS.payloadTooLarge,
      422: errorResponse(
        ['invalid_field', 'not_sent'],
        'The number or a path parameter is invalid (`invalid_field`, the detail names it), or no channel that can carry a code is configured (`not_sent`, the detail says what to set).',
      ),
      429: errorResponse(
        'rate_limited',
        'A limit on codes holds: this person’s (1 per 30 s, 5 per hour), the number’s (3 per hour, 10 per day) or the installation’s; `detail` says which and `Retry-After` how long to wait.',
      ),
      502: errorResponse('not_sent', 'The provider refused or failed to send the code (the detail gives its words); nothing was stored.'),
      503: ERRORS.databaseUnavailable,
    },
  },
  {
    method: 'post',
    path: `${DOC_PATH}/verify`,
    operationId: 'verifyPhone',
    summary: 'Confirm the pending number with its code (`/alert phone verify 123456`)',
    description: `${GATEWAY_ROUTE} The right code makes the pending number the one pages use. A wrong code costs one of 5 attempts (409 saying how many are left); an expired code or one whose attempts are used up is refused even when right, and the person asks for a new one.`,
    tags: ['contacts'],
    request: {
      params: contactPath,
      body: { required: true, content: { 'application/json': { schema: verifyPhoneRequestSchema.meta({ id: 'VerifyPhoneRequest' }), example: { code: '123456' } } } },
    },
    responses: {
      200: json('Confirmed: the number pages use from now on; nothing pending.', phoneStatusSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.gatewayOnly,
      409: errorResponse('verification_failed', 'Wrong code (the detail says how many attempts are left), expired, attempts used up, or no number waiting for a code; nothing was confirmed.'),
      413: ERRORS.payloadTooLarge,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  },
];
