import http from 'node:http';
import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '@klaxon/logger';
import { closeNow, listenOnLoopback, readBody, signSlackRequest, slashCommandBody, type SlashCommandFields } from '@klaxon/testing';
import { createGateway, type Gateway } from '../../src/app';
import { BackendClient } from '../../src/backend-client';

export const SIGNING_SECRET = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
export const SERVICE_KEY = 'gateway-test-key-0123456789abcdef';

export interface GatewayHarness {
  url: string;
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
}

/** The real gateway (Bolt HTTPReceiver) on a random port, logging JSON into memory. */
export async function startGateway({ backendUrl, slackApiUrl, botIds, backendTimeoutMs = 2000 }: GatewayHarnessOptions): Promise<GatewayHarness> {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger: Logger = createLogger({ service: 'gateway', level: 'debug', format: 'json', stream });
  const backend = new BackendClient({ baseUrl: backendUrl, serviceKey: SERVICE_KEY, timeoutMs: backendTimeoutMs, logger });
  const ids = botIds === undefined ? { botId: 'BTEST', botUserId: 'UBOT' } : botIds;
  const gateway = await createGateway({
    config: { slack: { signingSecret: SIGNING_SECRET, botToken: 'xoxb-test-token', apiUrl: slackApiUrl, ...(ids ?? {}) } },
    logger,
    backend,
  });
  const url = await listenOnLoopback(gateway.server);
  return {
    url,
    gateway,
    backend,
    logLines: () => [...lines],
    close: async () => {
      backend.close();
      await closeNow(gateway.server);
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
  const started = performance.now();
  const response = await fetch(`${gatewayUrl}/slack/events`, { method: 'POST', headers, body });
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
  return {
    id: '00000000-0000-4000-8000-000000000001',
    tenant_id: 'T0001',
    number,
    status: 'triggered',
    severity: 'critical',
    message: 'disk full',
    rule_name: null,
    source: 'slack',
    dedup_key: null,
    targets: userIds.map((slack_user_id) => ({ slack_user_id, phone: null })),
    slack: null,
    created_at: new Date().toISOString(),
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
  };
}
