// The two apps over HTTP, as deployed: the paging backend (real worker, fake Twilio and Slack API) listening,
// and the real gateway in front of it. Only e2e tests may import both apps.
import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { closeNow, listenOnLoopback, signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { listen, SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { startPagingHarness, type PagingHarness } from '../../apps/backend/test/integration/paging-harness';
import { createGateway, type Gateway, type GatewayDependencies } from '../../apps/gateway/src/app';
import { BackendClient } from '../../apps/gateway/src/backend-client';

export interface BothApps {
  paging: PagingHarness;
  backendClient: BackendClient;
  gateway: Gateway;
  gatewayUrl: string;
  close(): Promise<void>;
}

const quiet = () => createLogger({ service: 'e2e', format: 'json', stream: new PassThrough() });

/** How long the gateway waits for the backend (BACKEND_TIMEOUT_MS) and how long a command may take in all. */
export interface GatewayTiming {
  backendTimeoutMs?: number;
  pageRetryBudgetMs?: number;
  /** SLACK_INLINE_ANSWER_MS; unset, 0: a "⏳" ack at once and the outcome on response_url. */
  inlineAnswerMs?: number;
}

/**
 * `gateway`: what the gateway's config adds to its Slack app (signing secret given; Twilio's token, the public
 * origin). `backendOptions`: the paging backend's (a MovableClock in `overrides`, say).
 */
export async function startBothApps(
  signingSecret: string,
  gateway: Omit<GatewayDependencies['config'], 'slack'> = {},
  timing: GatewayTiming = {},
  backendOptions: Parameters<typeof startPagingHarness>[0] = {},
): Promise<BothApps> {
  const paging = await startPagingHarness(backendOptions);
  const backend = await listen(paging.app);
  const backendClient = new BackendClient({ baseUrl: backend.url, serviceKey: SERVICE_KEY, timeoutMs: timing.backendTimeoutMs ?? 5000, logger: quiet() });
  const gatewayApp = await createGateway({
    config: { slack: { signingSecret, botToken: 'xoxb-test-token', apiUrl: paging.slack.slackApiUrl, botId: 'BE2E', botUserId: 'UE2E' }, ...gateway },
    logger: quiet(),
    backend: backendClient,
    ...(timing.pageRetryBudgetMs === undefined ? {} : { pageRetryBudgetMs: timing.pageRetryBudgetMs }),
    ...(timing.inlineAnswerMs === undefined ? {} : { inlineAnswerMs: timing.inlineAnswerMs }),
  });
  const { server } = gatewayApp;
  const gatewayUrl = await listenOnLoopback(server);
  return {
    paging,
    backendClient,
    gateway: gatewayApp,
    gatewayUrl,
    close: async () => {
      backendClient.close();
      await closeNow(server);
      await closeNow(backend.server);
      await paging.close();
    },
  };
}

/**
 * Sends `/alert <text>` to the gateway, signed as Slack signs it with `signingSecret`, its response_url the fake
 * Slack's `responseId`; answers the ack and the first answer posted to that response_url.
 */
export async function signedSlash(
  apps: BothApps,
  signingSecret: string,
  responseId: string,
  fields: Omit<Parameters<typeof slashCommandBody>[0], 'response_url'>,
): Promise<{ ack: string; answer: string }> {
  const body = slashCommandBody({ ...fields, response_url: apps.paging.slack.responseUrl(responseId) });
  const res = await fetch(`${apps.gatewayUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret, body }) },
    body,
  });
  if (res.status !== 200) throw new Error(`the gateway answered ${res.status} to /alert ${fields.text}`);
  const ack = String(((await res.json()) as { text: string }).text);
  await apps.paging.slack.waitForResponse(() => apps.paging.slack.responses(responseId).length > 0, 10_000);
  return { ack, answer: String(apps.paging.slack.responses(responseId)[0]?.text) };
}
