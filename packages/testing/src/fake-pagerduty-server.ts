import http from 'node:http';
import { closeNow, listenOnLoopback, readBody, sendJson } from './local-http';

/** An event as PagerDuty's Events API v2 received it, with the status the fake answered. */
export interface FakePagerDutyEvent {
  routing_key?: string;
  event_action?: string;
  dedup_key?: string;
  payload?: { summary?: string; source?: string; severity?: string; custom_details?: Record<string, unknown>; [key: string]: unknown };
  links?: { href: string; text?: string }[];
  [key: string]: unknown;
  /** What the fake answered (202 when accepted). */
  responseStatus: number;
}

export interface FakePagerDuty {
  /** The base URL to set as PAGERDUTY_EVENTS_URL (events go to `${url}/v2/enqueue`). */
  url: string;
  /** Every event received, in order, answered or refused. */
  readonly events: FakePagerDutyEvent[];
  /** The next `times` events are answered with `status` (e.g. 500, 429, 400) instead of 202. */
  failNext(status: number, times?: number): void;
  /** Resolves with the first received event (past or future) matching `predicate` and answered `status` (202 by default). */
  waitForEvent(predicate: (event: FakePagerDutyEvent) => boolean, options?: { status?: number; timeoutMs?: number }): Promise<FakePagerDutyEvent>;
  close(): Promise<void>;
}

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** Why PagerDuty would refuse the event with 400, or null; the rules of its Events API v2 that Klaxon relies on. */
function invalidity(event: Partial<FakePagerDutyEvent>): string | null {
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) return 'routing_key: must be a 32-character integration key';
  if (!ACTIONS.has(String(event.event_action))) return 'event_action: must be trigger, acknowledge or resolve';
  if (event.event_action !== 'trigger') return typeof event.dedup_key === 'string' ? null : 'dedup_key: required to acknowledge or resolve';
  const payload = event.payload;
  if (!payload || typeof payload.summary !== 'string' || payload.summary === '' || payload.summary.length > 1024) return 'payload.summary: 1 to 1024 characters';
  if (typeof payload.source !== 'string' || payload.source === '') return 'payload.source: required';
  if (!SEVERITIES.has(String(payload.severity))) return 'payload.severity: critical, error, warning or info';
  return null;
}

/**
 * A local stand-in for PagerDuty's Events API v2 (`POST /v2/enqueue`): it checks events as PagerDuty does
 * (400 `{status, message, errors}` when invalid), answers 202 `{status, message, dedup_key}`, and can be
 * told to fail the next events with any status.
 */
export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const events: FakePagerDutyEvent[] = [];
  const failures: number[] = [];
  const waiters: { predicate: (event: FakePagerDutyEvent) => boolean; status: number; resolve: (event: FakePagerDutyEvent) => void }[] = [];

  const server = http.createServer((req, res) => {
    void readBody(req).then((raw) => {
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return sendJson(res, 404, { status: 'not found', message: 'only POST /v2/enqueue' });
      let event: Partial<FakePagerDutyEvent>;
      try {
        event = JSON.parse(raw) as Partial<FakePagerDutyEvent>;
      } catch {
        return sendJson(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['body is not JSON'] });
      }
      const forced = failures.shift();
      const problem = invalidity(event);
      const status = forced ?? (problem ? 400 : 202);
      const received: FakePagerDutyEvent = { ...event, responseStatus: status };
      events.push(received);
      if (status === 202) sendJson(res, 202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? `fake-${events.length}` });
      else if (status === 400) sendJson(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: [problem ?? 'refused by the test'] });
      else if (status === 429) sendJson(res, 429, { status: 'throttled', message: 'Requests for this service are arriving too quickly.' });
      else sendJson(res, status, { status: 'error', message: 'internal error' });
      for (const waiter of [...waiters]) {
        if (waiter.status === status && waiter.predicate(received)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received);
        }
      }
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    events,
    failNext: (status, times = 1) => failures.push(...Array.from({ length: times }, () => status)),
    waitForEvent: (predicate, { status = 202, timeoutMs = 10_000 } = {}) => {
      const seen = events.find((event) => event.responseStatus === status && predicate(event));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching PagerDuty event (status ${status}) within ${timeoutMs} ms; received: ${JSON.stringify(events.map((e) => [e.event_action, e.responseStatus]))}`)), timeoutMs);
        timer.unref();
        waiters.push({ predicate, status, resolve: (event) => (clearTimeout(timer), resolve(event)) });
      });
    },
    close: () => closeNow(server),
  };
}
