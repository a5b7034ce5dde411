/**
 * The webhooks Klaxon gives Twilio, under `PUBLIC_BASE_URL/twilio/`: a page's status callbacks and its call's
 * keypress (both name the delivery), and messages people send to Klaxon's number. The gateway serves these
 * and nothing else under /twilio/, and the backend has exactly these routes.
 */
export type TwilioWebhookRoute = { kind: 'status' | 'keypress'; deliveryId: string } | { kind: 'inbound' };
export type TwilioWebhookKind = TwilioWebhookRoute['kind'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELIVERY_PATH = /^\/twilio\/(status|keypress)\/([^/]+)$/;

/**
 * The route of a request path as it came (query string allowed), or null for anything that is not exactly
 * one of the routes above. A path that normalisation would change (`..`, `.`, `%2e`, `//`, `\`) is no route:
 * Twilio calls the URLs Klaxon gave it verbatim, so only a crafted request carries one.
 */
export function twilioWebhookRouteOf(rawUrl: string): TwilioWebhookRoute | null {
  const rawPath = rawUrl.split('?')[0] ?? '';
  let normalised: string;
  try {
    normalised = new URL(rawUrl, 'http://gateway.invalid').pathname;
  } catch {
    return null;
  }
  if (normalised !== rawPath) return null;
  if (rawPath === '/twilio/inbound') return { kind: 'inbound' };
  const match = DELIVERY_PATH.exec(rawPath);
  if (!match || !UUID.test(match[2]!)) return null;
  return { kind: match[1] as 'status' | 'keypress', deliveryId: match[2]!.toLowerCase() };
}

/** The backend's path for a route: built from its parts, the delivery id one encoded segment, so it stays under /twilio/. */
export function twilioWebhookPath(route: TwilioWebhookRoute): string {
  return route.kind === 'inbound' ? '/twilio/inbound' : `/twilio/${route.kind}/${encodeURIComponent(route.deliveryId)}`;
}
