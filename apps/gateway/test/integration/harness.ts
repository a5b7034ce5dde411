import http from 'node:http';
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '@klaxon/logger';
import { alertFixture, closeNow, interactionBody, listenOnLoopback, readBody, signSlackRequest, slashCommandBody, startFakeSlackApi, targetFixture, type FakeSlackApi, type SlashCommandFields } from '@klaxon/testing';
import { createGateway, type Gateway, type GatewayDependencies } from '../../src/app';
import { BackendClient } from '../../src/backend-client';
import { createGatewayMetrics } from '../../src/metrics';

export const SIGNING_SECRET = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
export const SERVICE_KEY = 'gateway-test-key-0123456789abcdef';

export interface GatewayHarness {
  url: string;
  /** The metrics listener (loopback), as main.ts runs it on GATEWAY_METRICS_PORT. */
  metricsUrl: string;
  gateway: Gateway;
  backend: BackendClient;
  logLines(): string[];
  close(): Promise<void>;
}

export interface GatewayHarnessOptions {
  backendUrl: string;
  slackApiUrl: string;
  botIds?: { botId: string; botUserId: string } | null;
  backendTimeoutMs?: number;
  /** Short by default so "backend down" tests end quickly; the production default is 10 s. */
  pageRetryBudgetMs?: number;
  /** 0 by default: a "⏳" ack at once and the outcome on response_url, which most tests read. */
  inlineAnswerMs?: number;
  serverTimeouts?: GatewayDependencies['serverTimeouts'];
  forwardLimits?: GatewayDependencies['forwardLimits'];
  calendarLimits?: GatewayDependencies['calendarLimits'];
  /** Twilio's auth token and the public origin it signs; unset, /twilio/* webhooks are refused. */
  twilio?: { authToken: string; publicBaseUrl: string };
}

/** The real gateway (Bolt HTTPReceiver) on a random port, logging JSON into memory. */
export async function startGateway({ backendUrl, slackApiUrl, botIds, backendTimeoutMs = 2000, pageRetryBudgetMs = 3000, inlineAnswerMs, serverTimeouts, forwardLimits, calendarLimits, twilio }: GatewayHarnessOptions): Promise<GatewayHarness> {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger: Logger = createLogger({ service: 'gateway', level: 'debug', format: 'json', stream });
  const metrics = createGatewayMetrics();
  const backend = new BackendClient({ baseUrl: backendUrl, serviceKey: SERVICE_KEY, timeoutMs: backendTimeoutMs, logger, recorder: metrics.recorder });
  const ids = botIds === undefined ? { botId: 'BTEST', botUserId: 'UBOT' } : botIds;
  const gateway = await createGateway({
    config: {
      slack: { signingSecret: SIGNING_SECRET, botToken: 'xoxb-test-token', apiUrl: slackApiUrl, ...(ids ?? {}) },
      ...(twilio ? { twilio: { authToken: twilio.authToken }, publicBaseUrl: twilio.publicBaseUrl } : {}),
    },
    logger,
    backend,
    pageRetryBudgetMs,
    inlineAnswerMs,
    serverTimeouts,
    metrics,
    version: 'test',
    forwardLimits,
    calendarLimits,
  });
  const url = await listenOnLoopback(gateway.server);
  const metricsUrl = await listenOnLoopback(gateway.metricsServer);
  return {
    url,
    metricsUrl,
    gateway,
    backend,
    logLines: () => [...lines],
    close: async () => {
      backend.close();
      await closeNow(gateway.server);
      if (gateway.metricsServer.listening) await closeNow(gateway.metricsServer);
    },
  };
}

/** POSTs a slash command to the gateway, signed as Slack signs it (or not, or wrongly, for the 401 cases). */
export async function sendSlashCommand(
  gatewayUrl: string,
  fields: Partial<SlashCommandFields> & { text: string },
  signing: { secret?: string; timestamp?: number; unsigned?: boolean } = {},
): Promise<{ status: number; body: string; ackMs: number }> {
  const body = slashCommandBody(fields);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (!signing.unsigned) Object.assign(headers, signSlackRequest({ signingSecret: signing.secret ?? SIGNING_SECRET, body, timestamp: signing.timestamp }));
  return postTimed(`${gatewayUrl}/slack/events`, headers, body);
}

/** POSTs an interaction (a button click) to the gateway, signed as Slack signs it. */
export async function sendInteraction(gatewayUrl: string, payload: object): Promise<{ status: number; body: string; ackMs: number }> {
  const body = interactionBody(payload);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) };
  return postTimed(`${gatewayUrl}/slack/events`, headers, body);
}

async function postTimed(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; ackMs: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text, ackMs: performance.now() - started };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * A stand-in backend speaking HTTP (not a mock of our code): records what the gateway sends and answers
 * as told. Used where the real backend cannot be made to misbehave on cue.
 */
export async function startStubBackend(
  answer: (req: RecordedRequest, raw: { req: http.IncomingMessage; res: http.ServerResponse }) => void,
): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    void readBody(req).then((raw) => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : null };
      requests.push(recorded);
      answer(recorded, { req, res });
    });
  });
  const url = await listenOnLoopback(server);
  return { url, requests, close: () => closeNow(server) };
}

export function alertAnswer(number: number, userIds: string[]) {
  return alertFixture({ number, targets: userIds.map((id) => targetFixture(id, ['whatsapp', 'voice'])) });
}

/** How the scripted backend answers one request. */
export interface StubAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer this late, to stand in for a slow backend. */
  delayMs?: number;
}

export type StubRoute = StubAnswer | ((req: RecordedRequest, url: URL) => StubAnswer);

export interface ScriptedBackend {
  url: string;
  requests: RecordedRequest[];
  /** Answers `method path` (path without the query, exact string or pattern) from now on; later rules win. */
  on(method: string, path: string | RegExp, route: StubRoute): void;
  /** Requests to `method path`, query included in `path`. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

/** A stub backend a test scripts route by route; anything unscripted gets the backend's 404 shape. */
export async function startScriptedBackend(): Promise<ScriptedBackend> {
  const rules: { method: string; path: string | RegExp; route: StubRoute }[] = [];
  const matches = (path: string | RegExp, pathname: string) => (typeof path === 'string' ? path === pathname : path.test(pathname));
  const stub = await startStubBackend((req, { res }) => {
    const url = new URL(req.path, 'http://stub');
    const rule = [...rules].reverse().find((r) => r.method === req.method && matches(r.path, url.pathname));
    const answer: StubAnswer = !rule
      ? { status: 404, body: { error: 'not_found', detail: `stub backend: nothing scripted for ${req.method} ${url.pathname}` } }
      : typeof rule.route === 'function'
        ? rule.route(req, url)
        : rule.route;
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
    else send();
  });
  return {
    url: stub.url,
    requests: stub.requests,
    on: (method, path, route) => rules.push({ method, path, route }),
    requestsTo: (method, path) => stub.requests.filter((r) => r.method === method && matches(path, new URL(r.path, 'http://stub').pathname)),
    close: stub.close,
  };
}

/** The usual setup: the real gateway, a scripted backend and the fake Slack API, closed together. */
export interface GatewayStack {
  slack: FakeSlackApi;
  backend: ScriptedBackend;
  gateway: GatewayHarness;
  close(): Promise<void>;
}

export async function startGatewayStack(options: Pick<GatewayHarnessOptions, 'serverTimeouts' | 'twilio' | 'inlineAnswerMs' | 'pageRetryBudgetMs'> = {}): Promise<GatewayStack> {
  const slack = await startFakeSlackApi();
  const backend = await startScriptedBackend();
  const gateway = await startGateway({ backendUrl: backend.url, slackApiUrl: slack.slackApiUrl, ...options });
  return {
    slack,
    backend,
    gateway,
    close: async () => {
      await gateway.close();
      await backend.close();
      await slack.close();
    },
  };
}
