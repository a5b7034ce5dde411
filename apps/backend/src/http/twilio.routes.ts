import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../common/errors';
import type { TwilioWebhooks } from '../twilio/twilio-webhooks';
import { UUID } from './alerts.routes';
import { described, ERRORS, errorResponse, type RouteDoc } from './openapi-kit';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

/** Twilio's form fields as the gateway forwards them: names and values, all strings. */
const twilioFieldsSchema = z.record(z.string().max(64), z.string().max(4096));

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

const deliveryPath = described(z.object({ deliveryId: z.guid() }), { deliveryId: 'The delivery the callback is about: Klaxon put it in the URL it gave Twilio.' });
const twiml = (description: string): ResponseConfig => ({ description, content: { 'text/xml': { schema: z.string().describe('TwiML: `<Response>…</Response>`.') } } });

/** The gateway's forward of one of Twilio's webhooks, after it checked X-Twilio-Signature. */
function twilioRoute(
  path: string,
  doc: { operationId: string; summary: string; description: string; example: Record<string, string>; answer: ResponseConfig },
): RouteDoc {
  const perDelivery = path.includes('{deliveryId}');
  return {
    method: 'post',
    path,
    operationId: doc.operationId,
    summary: doc.summary,
    description: `${doc.description} The gateway checked Twilio’s signature and forwards the form fields as a JSON object of strings; only a key bound to no tenant may call it. Each webhook is processed once, by its kind, SID and what it reports: a repeat (Twilio’s retry, or a replay of the signed request) gets the first answer and changes nothing. A webhook without a SID is a 422.`,
    tags: ['twilio'],
    request: {
      ...(perDelivery ? { params: deliveryPath } : {}),
      body: { required: true, content: { 'application/json': { schema: twilioFieldsSchema, example: doc.example } } },
    },
    responses: {
      ...(doc.answer.content ? { 200: doc.answer } : { 204: doc.answer }),
      400: ERRORS.invalidJson,
      401: ERRORS.gatewayOnly,
      ...(perDelivery ? { 404: errorResponse('not_found', 'No such delivery.') } : {}),
      409: errorResponse('in_progress', 'Another copy of this webhook (same SID and report) is being processed and did not finish in time; sent again, it gets that copy’s answer.'),
      413: ERRORS.payloadTooLarge,
      422: ERRORS.invalidField,
      503: ERRORS.databaseUnavailable,
    },
  };
}

export const twilioPaths: RouteDoc[] = [
  twilioRoute('/twilio/status/{deliveryId}', {
    operationId: 'twilioStatus',
    summary: 'A message’s or call’s status from Twilio (StatusCallback, answering machine verdict)',
    description:
      'Records the status if it is further along than the one stored (never backwards: repeats and late ones change nothing). A WhatsApp message `undelivered`/`failed` falls back to SMS once; a call `busy`, `no-answer`, `failed` or answered by a machine (`AnsweredBy`) runs the next escalation round now.',
    example: { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered' },
    answer: { description: 'Recorded (or already known).' },
  }),
  twilioRoute('/twilio/keypress/{deliveryId}', {
    operationId: 'twilioKeypress',
    summary: 'A key pressed during a page call',
    description: '`1` acknowledges the alert as the person called (once: a repeat is told it is already acknowledged), `2` passes it to the next escalation round now.',
    example: { CallSid: 'CA0123456789abcdef0123456789abcdef', Digits: '9' },
    answer: twiml('What the call says before it hangs up.'),
  }),
  twilioRoute('/twilio/inbound', {
    operationId: 'twilioInbound',
    summary: 'An SMS or WhatsApp message to Klaxon’s number',
    description:
      '`ack 42-K7`, `resolve 42-K7` (the number and the code the page printed), `ack 42`, or `ack` act as the person paged, only on an alert that number was paged for and only when the reply names one alert without doubt: a number alone when one open alert of it was paged there, `ack` alone when one triggered alert was paged there in the last hour. Anything else is refused with the choices to type. `HELP` gets one line.',
    example: { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+14155550101', Body: 'ack 1-K7' },
    answer: twiml('One short message back (`<Message>`).'),
  }),
];
