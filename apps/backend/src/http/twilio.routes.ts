import { Router, type Request } from 'express';
import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../common/errors';
import type { TwilioWebhooks } from '../twilio/twilio-webhooks';
import { UUID } from './alerts.routes';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

/** Twilio's form fields as the gateway forwards them: names and values, all strings. */
export const twilioFieldsSchema = z.record(z.string().max(64), z.string().max(4096));

/**
 * Twilio's webhooks, forwarded by the gateway once their signature checked out. Private like every route
 * here, and the gateway's alone: a key bound to a tenant may not speak for Twilio. Answers TwiML (XML)
 * where Twilio expects an answer (keypress, inbound message), 204 for a status callback.
 */
export function twilioRouter(webhooks: TwilioWebhooks): Router {
  const router = Router();
  router.use('/twilio', (_req, res, next) => {
    if (callerOf(res).tenantId !== null) throw new UnauthorizedError("POST /twilio/* are the gateway's routes for Twilio's webhooks");
    next();
  });

  router.post('/twilio/status/:deliveryId', async (req, res) => {
    await webhooks.status(deliveryIdOf(req), parseInput(twilioFieldsSchema, req.body));
    res.status(204).end();
  });

  router.post('/twilio/keypress/:deliveryId', async (req, res) => {
    const answer = await webhooks.keypress(deliveryIdOf(req), parseInput(twilioFieldsSchema, req.body));
    res.type('text/xml').send(answer);
  });

  router.post('/twilio/inbound', async (req, res) => {
    const answer = await webhooks.inbound(parseInput(twilioFieldsSchema, req.body));
    res.type('text/xml').send(answer);
  });
  return router;
}

function deliveryIdOf(req: Request): string {
  const id = String(req.params.deliveryId);
  if (!UUID.test(id)) throw new NotFoundError(`no delivery ${id}`);
  return id.toLowerCase();
}
