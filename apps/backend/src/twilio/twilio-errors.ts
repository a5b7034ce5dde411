import { type NotifyFailure, type ProviderErrorMeaning, fieldsOf, messageOf, networkFailure } from '../channels/notify-error';

/**
 * Twilio REST error codes we expect when creating messages and calls, with their meaning from
 * https://www.twilio.com/docs/api/errors/<code>. Codes not listed fall back to the HTTP status.
 */
export const TWILIO_ERRORS: Readonly<Record<number, ProviderErrorMeaning>> = {
  20003: { kind: 'permanent', alarm: true, meaning: 'authentication failed: TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is wrong, or the account is suspended' },
  20404: { kind: 'permanent', alarm: true, meaning: 'resource not found: the account SID or TWILIO_API_BASE_URL does not point at a Twilio account' },
  20429: { kind: 'transient', meaning: 'too many requests: Twilio rate-limited this account' },
  20500: { kind: 'transient', meaning: 'Twilio internal server error' },
  20503: { kind: 'transient', meaning: 'Twilio service unavailable' },
  21211: { kind: 'permanent', meaning: "invalid 'To' phone number (not E.164, a typo, or not a number Twilio can reach)" },
  21219: { kind: 'permanent', alarm: true, meaning: "'To' number not verified: a trial account can only reach verified numbers" },
  21408: { kind: 'permanent', alarm: true, meaning: "permission to send to this region is not enabled (Twilio Console → Geo Permissions)" },
  21602: { kind: 'permanent', meaning: 'message body is required' },
  21603: { kind: 'permanent', alarm: true, meaning: "a 'From' number is required" },
  21604: { kind: 'permanent', meaning: "a 'To' number is required" },
  21606: { kind: 'permanent', alarm: true, meaning: "the 'From' number is not a valid, SMS-capable number of this account" },
  21610: { kind: 'permanent', meaning: 'the recipient has unsubscribed (replied STOP) from this sender' },
  21614: { kind: 'permanent', meaning: "'To' is not a valid mobile number (cannot receive SMS; e.g. a landline)" },
  21617: { kind: 'permanent', meaning: 'the message body exceeds the 1600 character limit' },
  21659: { kind: 'permanent', alarm: true, meaning: "the 'From' number is not a Twilio phone number or short code of this account" },
  63003: { kind: 'permanent', meaning: "WhatsApp: the channel could not find the 'To' address (inactive, invalid or not on WhatsApp)" },
  63007: { kind: 'permanent', alarm: true, meaning: "WhatsApp: Twilio could not find a channel for the 'From' address (TWILIO_WHATSAPP_FROM is not a WhatsApp sender)" },
  63016: { kind: 'permanent', meaning: 'WhatsApp: outside the 24-hour session window or not opted in; a free-form body needs an approved template (TWILIO_WHATSAPP_CONTENT_SID)' },
  63018: { kind: 'transient', meaning: 'WhatsApp: rate limit exceeded for the channel' },
};

/** Classifies anything the Twilio SDK throws: a RestException (status, code, message, moreInfo) or a network error. */
export function classifyTwilioError(error: unknown): NotifyFailure {
  const fields = fieldsOf(error);
  const status = typeof fields.status === 'number' ? fields.status : null;
  const numericCode = typeof fields.code === 'number' ? fields.code : null;

  if (status === null) {
    const network = networkFailure(error);
    if (network) return network;
    // Neither an answer nor a known network failure: retrying a bounded number of times costs less than a missed page.
    return { kind: 'transient', code: typeof fields.code === 'string' ? fields.code : null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
  }

  const code = numericCode === null ? null : String(numericCode);
  const known = numericCode === null ? undefined : TWILIO_ERRORS[numericCode];
  if (known) {
    return { kind: known.kind, code, status, detail: `Twilio ${code}: ${known.meaning} (${messageOf(error)})`, alarm: known.alarm ?? false };
  }
  const transient = status === 429 || status >= 500;
  return {
    kind: transient ? 'transient' : 'permanent',
    code,
    status,
    detail: `Twilio HTTP ${status}${code ? ` error ${code}` : ''}: ${messageOf(error)}`,
    // An unknown refusal of our credentials is as bad as 20003.
    alarm: status === 401 || status === 403,
  };
}
