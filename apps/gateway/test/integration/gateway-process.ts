import path from 'node:path';
import { freePort, spawnService, type ServiceProcess } from '@klaxon/testing';

export interface GatewayProcessOptions {
  backendUrl: string;
  slackApiUrl: string;
  serviceKey: string;
  signingSecret: string;
  /** More variables, or overrides (LOG_LEVEL). */
  extra?: Record<string, string>;
}

/** The built gateway (apps/gateway/dist/main.js, as supervisord runs it) in its own process. */
export async function spawnGatewayProcess({ backendUrl, slackApiUrl, serviceKey, signingSecret, extra = {} }: GatewayProcessOptions): Promise<ServiceProcess> {
  // Not the default 9091: other gateways (other test files, other checkouts) may be running on this host.
  const metricsPort = await freePort();
  return spawnService({
    name: 'gateway',
    main: path.resolve(__dirname, '../../dist/main.js'),
    env: (port) => ({
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_METRICS_PORT: String(metricsPort),
      BACKEND_URL: backendUrl,
      INTERNAL_SERVICE_KEYS: serviceKey,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slackApiUrl,
      SLACK_BOT_ID: 'BTEST',
      SLACK_BOT_USER_ID: 'UBOT',
      ...extra,
    }),
    ready: (url) => fetch(`${url}/healthz`).then((r) => r.ok, () => false),
  });
}
