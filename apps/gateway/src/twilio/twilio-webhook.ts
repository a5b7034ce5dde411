import type http from 'node:http';
import { randomUUID } from 'node:crypto';
// Only the webhook validation module (node's crypto, url and querystring), never the SDK: the gateway sends
// nothing to Twilio. The README's "Two-way paging" section gives what it costs the gateway.
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { twilioWebhookKey, twilioWebhookRouteOf } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import { BackendRejectedError } from '../errors';
import type { InFlight } from '../in-flight';

export const TWILIO_PATH_PREFIX = '/twilio/';

/**
 * Twilio's webhooks are small forms (a status callback is under 2 kB; an inbound message with 10 media
 * URLs under 8 kB). 64 KiB bounds what an unsigned request can make the gateway read before it is refused.
 */
export const TWILIO_BODY_LIMIT_BYTES = 64 * 1024;

export interface TwilioWebhookOptions {
  /** null: no TWILIO_AUTH_TOKEN, so nothing can be verified and every webhook is refused. */
  authToken: string | null;
  /** The origin Twilio called (PUBLIC_BASE_URL): Twilio signs the full URL, query string included. */
  publicBaseUrl: string;
  backend: BackendClient;
  logger: Logger;
  inFlight: InFlight;
}

/**
 * `POST /twilio/*` on the public port: answers 404 to any path that is not exactly one of the backend's
 * Twilio routes (twilioWebhookRouteOf) before reading anything more of the request; checks
 * `X-Twilio-Signature` over PUBLIC_BASE_URL + path + query and the form fields (Twilio's own validation),
 * answers 403 to a missing or wrong one without forwarding anything, and otherwise forwards the fields to
 * the backend's route and relays its answer (TwiML for a keypress or a reply, 204 for a status).
 */
export function twilioWebhookHandler(options: TwilioWebhookOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    void options.inFlight.track(handle(options, req, res)).catch((error: unknown) => {
      options.logger.error('twilio webhook failed', { error });
      if (!res.headersSent) send(res, 500, 'internal', 'the gateway failed to handle this webhook');
    });
  };
}

async function handle({ authToken, publicBaseUrl, backend, logger }: TwilioWebhookOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const route = twilioWebhookRouteOf(req.url ?? '');
  if (!route) {
    logger.info('twilio webhook refused: not a Twilio route', { path: (req.url ?? '').slice(0, 200) });
    // The body is never read, so the connection cannot serve another request.
    res.setHeader('connection', 'close');
    return send(res, 404, 'not_found', 'the Twilio webhooks are POST /twilio/status/<delivery>, /twilio/keypress/<delivery> and /twilio/inbound');
  }
  if (req.method !== 'POST') return send(res, 405, 'method_not_allowed', 'Twilio webhooks are POST requests');
  const raw = await readLimited(req, TWILIO_BODY_LIMIT_BYTES);
  if (raw === null) return send(res, 413, 'payload_too_large', `the body is larger than ${TWILIO_BODY_LIMIT_BYTES} bytes`);
  const fields = Object.fromEntries(new URLSearchParams(raw));
  const signature = req.headers['x-twilio-signature'];
  const url = `${publicBaseUrl}${req.url ?? ''}`;
  if (!authToken) {
    logger.warn('twilio webhook refused: TWILIO_AUTH_TOKEN is not set on the gateway', { path: pathOf(req) });
    return send(res, 403, 'forbidden', 'the gateway has no TWILIO_AUTH_TOKEN, so it cannot verify Twilio webhooks');
  }
  if (typeof signature !== 'string' || signature === '') {
    logger.warn('twilio webhook refused: no signature', { path: pathOf(req) });
    return send(res, 403, 'forbidden', 'the X-Twilio-Signature header is missing');
  }
  if (!validateRequest(authToken, signature, url, fields)) {
    // The usual cause is a PUBLIC_BASE_URL that is not the URL Twilio was given (http vs https, a proxy's host).
    logger.warn('twilio webhook refused: wrong signature', { path: pathOf(req), signedUrl: `${publicBaseUrl}${pathOf(req)}` });
    return send(res, 403, 'forbidden', 'the X-Twilio-Signature does not match this request (check PUBLIC_BASE_URL and TWILIO_AUTH_TOKEN)');
  }
  // Only a reply comes from a person; a status callback or a keypress names Klaxon's own sender as From.
  const from = route.kind === 'inbound' && fields.From ? { from: maskPhone(fields.From.replace(/^whatsapp:/, '')) } : {};
  logger.info('twilio webhook', { kind: route.kind, path: pathOf(req), ...from });
  try {
    // Without a SID the backend refuses it (422); the fresh id only names the request in the logs.
    const requestId = twilioWebhookKey(route.kind, fields) ?? `twilio-${randomUUID()}`;
    const answer = await backend.twilioWebhook(route, fields, { requestId });
    res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
    res.end(answer.body);
  } catch (error) {
    if (error instanceof BackendRejectedError) return send(res, error.status, error.body.error, error.body.detail);
    logger.warn('twilio webhook not forwarded: backend unavailable', { path: pathOf(req), error: error instanceof Error ? error.message : String(error) });
    // Twilio retries a failed webhook only for some; either way it logs it in the console's debugger.
    return send(res, 503, 'backend_unavailable', 'the Klaxon backend did not answer; nothing was recorded');
  }
}

function pathOf(req: http.IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://gateway').pathname;
}

function send(res: http.ServerResponse, status: number, error: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error, detail }));
}

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
async function readLimited(req: http.IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
