import http from 'node:http';
import { App, HTTPReceiver, type ReceiverDispatchErrorHandlerArgs } from '@slack/bolt';
import type { GatewayConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from './backend-client';
import { DEFAULT_FORWARD_LIMITS, ForwardLimiter, type ForwardLimits } from './forward-limiter';
import { InFlight } from './in-flight';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { PageCounts } from './page-counts';
import { boltLogger } from './slack/bolt-logger';
import { registerAlertActions } from './slack/alert-actions.listener';
import { DEFAULT_PAGE_RETRY_BUDGET_MS, registerAlertCommand } from './slack/command.listener';
import { TWILIO_PATH_PREFIX, twilioWebhookHandler } from './twilio/twilio-webhook';
import { CALENDAR_PATH_PREFIX, calendarFeedHandler } from './calendar/calendar-feed';

export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * The largest body Bolt reads before answering 413 (its default is 4 MB). Measured here: a `block_actions`
 * click on Klaxon's channel message is 2.8 kB form-encoded; with the longest alert (2,000 characters, every
 * one escaped as an HTML entity) and 20 named targets it is 28.4 kB. Slash commands are far smaller. 512 KiB
 * is 18 times the worst of them and bounds the memory a request can take.
 */
export const SLACK_BODY_LIMIT_BYTES = 512 * 1024;

/**
 * How long a client may take over a request on the public port: a slow or stalled client loses its socket
 * instead of holding it. Slack sends a few kB at once, so seconds are plenty.
 */
export const SERVER_TIMEOUTS: { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number } = { headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000 };

// Bolt's respond() posts to response_url with a fetch that has no timeout; bounded here so that the drain
// below, which waits for it, is bounded too.
export const RESPOND_TIMEOUT_MS = 5_000;

export interface GatewayDependencies {
  /** `twilio` and `publicBaseUrl` unset: /twilio/* webhooks are refused (no token to verify them with). */
  config: Pick<GatewayConfig, 'slack'> & Partial<Pick<GatewayConfig, 'twilio' | 'publicBaseUrl'>>;
  logger: Logger;
  backend: BackendClient;
  /** How long a page retries a backend that is down; tests shorten it. */
  pageRetryBudgetMs?: number;
  /**
   * SLACK_INLINE_ANSWER_MS: how long a command's ack waits for the backend's answer to carry it. Unset, 0: a
   * "⏳" ack at once and the answer on response_url (what most tests check); main.ts passes the configured one.
   */
  inlineAnswerMs?: number;
  /** SERVER_TIMEOUTS unless given; tests shorten them. */
  serverTimeouts?: typeof SERVER_TIMEOUTS;
  /** The registry the metrics listener serves; give the one BackendClient records into. */
  metrics?: GatewayMetrics;
  version?: string;
  /** GATEWAY_MAX_IN_FLIGHT / GATEWAY_MAX_QUEUE; DEFAULT_FORWARD_LIMITS unless given. */
  forwardLimits?: ForwardLimits;
  /** Calendar feeds' own share of the backend; CALENDAR_FORWARD_LIMITS unless given. */
  calendarLimits?: ForwardLimits;
}

/** What became of the pages so far, and the forwards running and waiting now: for the bench and the stop log. */
export interface GatewayStats {
  pages: ReturnType<PageCounts['snapshot']>;
  forwards: ReturnType<ForwardLimiter['load']>;
}

export interface Gateway {
  bolt: App;
  /** Not listening yet: main.ts listens, tests listen on port 0. */
  server: http.Server;
  /**
   * `/metrics` and a detailed `/healthz`, not listening: main.ts listens on 127.0.0.1 (GATEWAY_METRICS_PORT),
   * never on the public port, whose only routes are Slack's and a minimal /healthz.
   */
  metricsServer: http.Server;
  metrics: GatewayMetrics;
  /** Commands and clicks acknowledged to Slack whose forward and outcome message are still under way. */
  inFlight: InFlight;
  stats(): GatewayStats;
  /** The longest `stop()` waits: a page's whole retry budget, then its outcome message. */
  drainTimeoutMs: number;
  /**
   * Stops accepting connections, lets the requests being read get their ack, then waits for the work they
   * started (at most `drainTimeoutMs`). True when everything finished: every author got an outcome.
   */
  stop(): Promise<boolean>;
}

/**
 * The public edge. HTTPReceiver rather than ExpressReceiver: both verify signatures the same way
 * (constant-time HMAC, 5-minute window), but HTTPReceiver served ~1.7x the signed commands per second
 * on this machine and the gateway needs no Express routing for one path and a health check.
 */
export async function createGateway({
  config,
  logger,
  backend,
  pageRetryBudgetMs = DEFAULT_PAGE_RETRY_BUDGET_MS,
  inlineAnswerMs = 0,
  serverTimeouts = SERVER_TIMEOUTS,
  metrics = createGatewayMetrics(),
  version = 'dev',
  forwardLimits = DEFAULT_FORWARD_LIMITS,
  calendarLimits,
}: GatewayDependencies): Promise<Gateway> {
  const log = boltLogger(logger);
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    bodyLimit: SLACK_BODY_LIMIT_BYTES,
    logger: log,
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"status":"ok"}');
        },
      },
    ],
    dispatchErrorHandler: notFound,
  });
  // With known bot ids Bolt needs no `auth.test` at all; without them it asks Slack once, here, where a
  // bad token is a clear startup error instead of an unhandled rejection.
  const knownBot = Boolean(config.slack.botId && config.slack.botUserId);
  const bolt = new App({
    receiver,
    token: config.slack.botToken,
    botId: config.slack.botId,
    botUserId: config.slack.botUserId,
    logger: log,
    // The gateway keeps no conversation state; Bolt's default in-memory store would cost a lookup per request.
    convoStore: false,
    deferInitialization: !knownBot,
    clientOptions: { ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), fetch: fetchWithTimeout },
  });
  if (!knownBot) await bolt.init();

  const inFlight = new InFlight();
  metrics.observeInFlight(() => inFlight.size);
  const forwards = new ForwardLimiter(forwardLimits);
  const counts = new PageCounts();
  registerAlertCommand(bolt, { backend, logger, inFlight, forwards, counts, pageRetryBudgetMs, inlineAnswerMs });
  registerAlertActions(bolt, { backend, logger, inFlight, forwards });
  bolt.error(async (error) => {
    logger.error('slack listener failed', { error });
  });

  const twilio = twilioWebhookHandler({ authToken: config.twilio?.authToken ?? null, publicBaseUrl: config.publicBaseUrl ?? 'http://127.0.0.1:3000', backend, logger, inFlight });
  const calendar = calendarFeedHandler({ backend, logger, inFlight, ...(calendarLimits ? { limits: calendarLimits } : {}) });
  // The timeouts are checked every second rather than every 30 s (Node's default), so they hold as written.
  const server = http.createServer({ ...serverTimeouts, connectionsCheckingInterval: Math.min(1000, serverTimeouts.headersTimeout) }, (req, res) => {
    countRequest(metrics, req, res);
    // Twilio's signed webhooks share the public port; Bolt never sees them.
    if (req.url?.startsWith(TWILIO_PATH_PREFIX)) return twilio(req, res);
    // Schedules' calendar feeds too; nothing under /calendar/ reaches Bolt, whose 404 would log the path (the token).
    if (req.url?.startsWith(CALENDAR_PATH_PREFIX)) return calendar(req, res);
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      // HTTPReceiver throws for any path it does not serve.
      notFound({ error: error as Error, logger: log, request: req, response: res });
    }
  });
  const metricsServer = createMetricsServer({ metrics, backend, inFlight, version });
  const drainTimeoutMs = drainBoundMs(pageRetryBudgetMs);
  const stop = async (): Promise<boolean> => {
    // Tracked like a command: connections still being read end with their ack, whose work is tracked by then.
    inFlight.track(new Promise<void>((resolve) => server.close(() => resolve())));
    server.closeIdleConnections();
    const drained = await inFlight.drain(drainTimeoutMs);
    if (!drained) server.closeAllConnections();
    // Open until the drain is over, so the operator can watch it.
    metricsServer.closeAllConnections();
    metricsServer.close();
    return drained;
  };
  const stats = (): GatewayStats => ({ pages: counts.snapshot(), forwards: forwards.load() });
  return { bolt, server, metricsServer, metrics, inFlight, stats, drainTimeoutMs, stop };
}

/**
 * How long a stopping gateway waits for acknowledged work: a page's whole retry budget, then its outcome
 * message, and a second of slack. supervisord's stopwaitsecs for the gateway must exceed it (a test checks).
 */
export function drainBoundMs(pageRetryBudgetMs = DEFAULT_PAGE_RETRY_BUDGET_MS): number {
  return pageRetryBudgetMs + RESPOND_TIMEOUT_MS + 1000;
}

/** Counts a request on the public port when its answer is written; Slack's requests also time the ack. */
function countRequest(metrics: GatewayMetrics, req: http.IncomingMessage, res: http.ServerResponse): void {
  const started = performance.now();
  const path = (req.url ?? '').split('?')[0];
  const route = path === SLACK_EVENTS_PATH || path === '/healthz' ? path : path?.startsWith(CALENDAR_PATH_PREFIX) ? '/calendar/:token.ics' : 'unmatched';
  res.once('finish', () => {
    const statusClass = `${Math.floor(res.statusCode / 100)}xx`;
    metrics.httpRequests.inc({ route, status_class: statusClass });
    if (route === SLACK_EVENTS_PATH) metrics.slackAck.observe({ status_class: statusClass }, (performance.now() - started) / 1000);
  });
}

/** The body of the detailed /healthz on the metrics listener. */
export interface GatewayHealth {
  status: 'ok' | 'degraded';
  /** `healthy`: its /health answered 200; `unhealthy`: it answered otherwise (it cannot page); `unreachable`: no answer. */
  backend: 'healthy' | 'unhealthy' | 'unreachable';
  backend_status: number | null;
  in_flight: number;
  uptime_s: number;
  version: string;
}

function createMetricsServer({ metrics, backend, inFlight, version }: { metrics: GatewayMetrics; backend: BackendClient; inFlight: InFlight; version: string }): http.Server {
  const startedAt = Date.now();
  return http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const answer = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => answer(200, metrics.registry.contentType, text),
        () => answer(500, 'application/json', '{"error":"internal","detail":"collecting the metrics failed"}'),
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      void backend.health().then((status) => {
        const state: GatewayHealth['backend'] = status === null ? 'unreachable' : status === 200 ? 'healthy' : 'unhealthy';
        const body: GatewayHealth = {
          status: state === 'healthy' ? 'ok' : 'degraded',
          backend: state,
          backend_status: status,
          in_flight: inFlight.size,
          uptime_s: Math.round((Date.now() - startedAt) / 1000),
          version,
        };
        // 503 while the gateway cannot get a page through, though it still acks Slack and says why.
        answer(state === 'healthy' ? 200 : 503, 'application/json', JSON.stringify(body));
      });
      return;
    }
    answer(404, 'application/json', '{"error":"not_found","detail":"this listener serves GET /metrics and GET /healthz"}');
  });
}

const fetchWithTimeout: typeof fetch = (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(RESPOND_TIMEOUT_MS) });

function notFound({ request, response, logger }: ReceiverDispatchErrorHandlerArgs): void {
  logger.info(`not found: ${request.method} ${request.url}`);
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":"not_found","detail":"the public endpoints are POST /slack/events, POST /twilio/* and GET /calendar/<token>.ics"}');
}
