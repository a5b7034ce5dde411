/**
 * A schedule's calendar feed: public at `PUBLIC_BASE_URL/calendar/<token>.ics` on the gateway, which forwards
 * the token to the backend's private route in a header (never in a path, so no access log or error line that
 * prints paths can print it). The token is the only credential: whoever has the URL reads the schedule.
 */
export const CALENDAR_PATH_PREFIX = '/calendar/';
/** The backend's private route the gateway forwards feeds to. */
export const CALENDAR_FEED_ROUTE = '/calendar-feed';
export const CALENDAR_TOKEN_HEADER = 'x-calendar-token';

// Tokens are 24 random bytes in base64url (32 characters); longer room for a future longer token.
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The token a public calendar path names, or the empty string when it names none: anything but exactly
 * `/calendar/<token>.ics` (query string allowed). The empty string names no calendar, and the gateway forwards
 * it all the same, so a malformed URL and an unknown token take the same way and get the same 404.
 */
export function calendarTokenOf(rawUrl: string): string {
  const path = rawUrl.split('?')[0] ?? '';
  if (!path.startsWith(CALENDAR_PATH_PREFIX) || !path.endsWith('.ics')) return '';
  const token = path.slice(CALENDAR_PATH_PREFIX.length, -'.ics'.length);
  return TOKEN.test(token) ? token : '';
}
