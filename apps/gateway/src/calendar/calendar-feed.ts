import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { calendarTokenOf } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import { ForwardLimiter, type ForwardLimits } from '../forward-limiter';
import type { InFlight } from '../in-flight';

export { CALENDAR_PATH_PREFIX } from '@klaxon/contracts';

/**
 * Calendar clients poll; a burst of them (a team subscribing at once, a misconfigured client looping) must not
 * take the forwards that pages need: feeds have their own, small share of the backend.
 */
export const CALENDAR_FORWARD_LIMITS: ForwardLimits = { maxInFlight: 4, maxQueued: 32 };

// One answer for every URL under /calendar/ that opens no feed, whatever was wrong with it.
const NOT_FOUND_BODY = JSON.stringify({ error: 'not_found', detail: 'no calendar has this address' });

export interface CalendarFeedOptions {
  backend: BackendClient;
  logger: Logger;
  inFlight: InFlight;
  limits?: ForwardLimits;
}

/**
 * `GET /calendar/<token>.ics` on the public port: forwards the token to the backend and relays the feed. Every
 * path under /calendar/ is forwarded, a malformed one as the empty token (calendarTokenOf), so a malformed URL,
 * an unknown token and a replaced one take the same way, cost a lookup each, and get the same 404: the answer
 * and its time say nothing about which tokens exist. The token is never logged (nor is the path, which holds it).
 */
export function calendarFeedHandler(options: CalendarFeedOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const limiter = new ForwardLimiter(options.limits ?? CALENDAR_FORWARD_LIMITS);
  return (req, res) => {
    void options.inFlight.track(serve(options, limiter, req, res)).catch((error: unknown) => {
      options.logger.error('calendar feed failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) send(res, 500, 'no-store', JSON.stringify({ error: 'internal', detail: 'the gateway failed to serve this calendar' }));
    });
  };
}

async function serve({ backend, logger }: CalendarFeedOptions, limiter: ForwardLimiter, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'no-store', JSON.stringify({ error: 'method_not_allowed', detail: 'calendar feeds are read with GET' }));
  }
  const admitted = limiter.admit();
  if (!admitted) {
    logger.warn('calendar feed refused: too many feeds being served', limiter.load());
    res.setHeader('retry-after', '30');
    return send(res, 503, 'no-store', JSON.stringify({ error: 'busy', detail: 'too many calendar requests at once; try again shortly' }));
  }
  const head = req.method === 'HEAD';
  try {
    const feed = await admitted(() => backend.calendarFeed(calendarTokenOf(req.url ?? ''), { requestId: `calendar-${randomUUID()}` }));
    logger.debug('calendar feed', { status: feed ? 200 : 404 });
    if (!feed) return send(res, 404, 'no-store', NOT_FOUND_BODY, head);
    res.writeHead(200, {
      'content-type': feed.contentType ?? 'text/calendar; charset=utf-8',
      'cache-control': feed.cacheControl ?? 'private, max-age=900',
      'x-content-type-options': 'nosniff',
      // Whoever holds the URL may read the feed; nobody should find it in a search engine or a Referer.
      'x-robots-tag': 'noindex',
      'referrer-policy': 'no-referrer',
    });
    res.end(head ? undefined : feed.body);
  } catch (error) {
    logger.warn('calendar feed not served: backend unavailable', { error: error instanceof Error ? error.message : String(error) });
    res.setHeader('retry-after', '60');
    send(res, 503, 'no-store', JSON.stringify({ error: 'backend_unavailable', detail: 'the calendar cannot be read right now; try again later' }), head);
  }
}

function send(res: http.ServerResponse, status: number, cacheControl: string, body: string, head = false): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': cacheControl });
  res.end(head ? undefined : body);
}
