import { Router } from 'express';
import { z } from 'zod';
import { CALENDAR_FEED_ROUTE, CALENDAR_TOKEN_HEADER } from '@klaxon/contracts';
import { NotFoundError } from '../common/errors';
import { FEED_REFRESH_SECONDS } from '../oncall/calendar-feed';
import type { CalendarFeeds } from '../oncall/calendar-feeds';
import { described, ERRORS, errorResponse, type RouteDoc } from './openapi-kit';
import { callerOf } from './service-key.middleware';

/**
 * A feed may be kept by the subscriber's own client for a quarter of its refresh interval, never by a shared
 * cache (`private`): the URL is a secret, and a proxy holding the answer would keep serving it after the token
 * is replaced. A 404 is kept by nobody, so a token's answer is always the database's answer of the moment.
 */
export const FEED_CACHE_CONTROL = `private, max-age=${FEED_REFRESH_SECONDS / 4}`;
export const NO_FEED_CACHE_CONTROL = 'no-store';
/** The same words for every token that opens nothing: malformed, unknown, replaced or deleted. */
export const NO_FEED_DETAIL = 'no calendar has this address';

/**
 * `GET /calendar-feed`: the feed of the schedule whose token the gateway forwards from the public
 * `/calendar/<token>.ics`. The token travels in a header, never the path, so no line that logs paths holds it.
 */
export function calendarRouter({ feeds }: { feeds: CalendarFeeds }): Router {
  const router = Router();
  router.get(CALENDAR_FEED_ROUTE, async (req, res) => {
    // A missing header is the empty token, looked up like any other: every refusal takes the same way.
    const feed = await feeds.feed(req.get(CALENDAR_TOKEN_HEADER) ?? '', callerOf(res).tenantId);
    if (!feed) {
      res.set('cache-control', NO_FEED_CACHE_CONTROL);
      throw new NotFoundError(NO_FEED_DETAIL);
    }
    res.set('cache-control', FEED_CACHE_CONTROL).type('text/calendar; charset=utf-8').send(feed.body);
  });
  return router;
}

export const calendarPaths: RouteDoc[] = [
  {
    method: 'get',
    path: CALENDAR_FEED_ROUTE,
    operationId: 'getCalendarFeed',
    summary: 'A schedule’s calendar feed (iCalendar), by its token',
    description:
      'What the gateway serves publicly at `PUBLIC_BASE_URL/calendar/<token>.ics` (the schedule’s `ical_url`): one VEVENT per shift of the next 90 days as `…/oncall?until=` gives them, the shift in progress from its start; nobody on call is no event. UIDs are the schedule and the shift’s start, so a client fetching again updates its events. Times are UTC; the summary is the person’s Slack name (their user id when Slack does not know them), the description names the layer or `override`. A key bound to a tenant opens only that tenant’s feeds.',
    tags: ['oncall'],
    request: {
      headers: described(z.object({ [CALENDAR_TOKEN_HEADER]: z.string().optional() }), {
        [CALENDAR_TOKEN_HEADER]: 'The token of the schedule’s calendar URL (the part before `.ics`). Missing, it is the empty token, which opens nothing.',
      }),
    },
    responses: {
      200: {
        description: `The feed. \`Cache-Control: ${FEED_CACHE_CONTROL}\`.`,
        content: { 'text/calendar': { schema: z.string().describe('iCalendar (RFC 5545): VCALENDAR with METHOD:PUBLISH and a VEVENT per shift.') } },
      },
      401: ERRORS.unauthorized,
      404: errorResponse('not_found', 'No schedule has this token (malformed, unknown, replaced, or its schedule deleted): the same answer for each. `Cache-Control: no-store`.'),
      422: ERRORS.invalidRequestId,
      503: ERRORS.databaseUnavailable,
    },
  },
];
