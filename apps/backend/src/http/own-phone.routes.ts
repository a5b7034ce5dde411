import { Router, type Response } from 'express';
import { ownPhoneRequestSchema, verifyPhoneRequestSchema } from '@klaxon/contracts';
import type { PhoneVerificationService } from '../contacts/phone-verification.service';
import { RateLimitedError } from '../common/errors';
import { toPhoneStatusDto } from './contact.serializer';
import { contactParams } from './contacts.routes';
import { gatewayOnly } from './service-key.middleware';
import { parseInput } from './validate';

export const OWN_PHONE_PATH = '/slack/contacts/:tenant_id/:slack_user_id/phone';

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
