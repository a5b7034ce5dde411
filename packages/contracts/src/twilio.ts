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

// Twilio's SIDs are two letters and 32 hex digits; anything else is not one of its webhooks.
const SID = /^[A-Za-z]{2}[A-Za-z0-9]{1,62}$/;

/**
 * What makes one of Twilio's webhooks the same webhook again: its kind, the SID of the message or call, and
 * what it reports (a status, a key pressed, an answering machine verdict). Twilio repeats a callback with
 * these unchanged, and a replayed request carries them too (they are signed). An id of the request-id
 * alphabet: the gateway sends it as x-request-id and the backend remembers processed webhooks by it. Null
 * when the fields carry no SID.
 */
export function twilioWebhookKey(kind: TwilioWebhookKind, fields: Readonly<Record<string, string>>): string | null {
  const sid = fields.CallSid ?? fields.MessageSid ?? fields.SmsSid;
  if (sid === undefined || !SID.test(sid)) return null;
  const what = kind === 'inbound' ? 'inbound' : fields.Digits !== undefined ? `key-${fields.Digits}` : fields.AnsweredBy ? `amd-${fields.AnsweredBy}` : (fields.CallStatus ?? fields.MessageStatus ?? 'none');
  // Twilio's statuses, verdicts and keys are short words; anything else is cut down, never let through as is.
  return `twilio-${kind}-${sid}-${what.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 32)}`;
}
