import http from 'node:http';
import { App, HTTPReceiver, type ReceiverDispatchErrorHandlerArgs } from '@slack/bolt';
import type { GatewayConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from './backend-client';
import { boltLogger } from './slack/bolt-logger';
import { registerAlertActions } from './slack/alert-actions.listener';
import { registerAlertCommand } from './slack/command.listener';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface GatewayDependencies {
  config: Pick<GatewayConfig, 'slack'>;
  logger: Logger;
  backend: BackendClient;
  /** How long a page retries a backend that is down; tests shorten it. */
  pageRetryBudgetMs?: number;
}

export interface Gateway {
  bolt: App;
  /** Not listening yet: main.ts listens, tests listen on port 0. */
  server: http.Server;
}

/**
 * The public edge. HTTPReceiver rather than ExpressReceiver: both verify signatures the same way
 * (constant-time HMAC, 5-minute window), but HTTPReceiver served ~1.7x the signed commands per second
 * on this machine and the gateway needs no Express routing for one path and a health check.
 */
export async function createGateway({ config, logger, backend, pageRetryBudgetMs }: GatewayDependencies): Promise<Gateway> {
  const log = boltLogger(logger);
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
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
    deferInitialization: !knownBot,
    clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : undefined,
  });
  if (!knownBot) await bolt.init();

  registerAlertCommand(bolt, { backend, logger, pageRetryBudgetMs });
  registerAlertActions(bolt, { backend, logger });
  bolt.error(async (error) => {
    logger.error('slack listener failed', { error });
  });

  const server = http.createServer((req, res) => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      // HTTPReceiver throws for any path it does not serve.
      notFound({ error: error as Error, logger: log, request: req, response: res });
    }
  });
  return { bolt, server };
}

function notFound({ request, response, logger }: ReceiverDispatchErrorHandlerArgs): void {
  logger.info(`not found: ${request.method} ${request.url}`);
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":"not_found","detail":"the only public endpoint is POST /slack/events"}');
}
