// One page followed through the logs by its request id: the gateway's line for the slash command, the
// backend's lines for the request, and the lines of the jobs the request created (sending the pages).
// Like slash-command.int.test.ts, this file imports both apps to check they agree.
import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { closeNow, listenOnLoopback, signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { listen, SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { startPagingHarness, type PagingHarness } from '../../apps/backend/test/integration/paging-harness';
import { createGateway, type Gateway } from '../../apps/gateway/src/app';
import { BackendClient } from '../../apps/gateway/src/backend-client';

const SIGNING_SECRET = 'e2e0signing0secret0000000000000b';

type LogLine = Record<string, unknown> & { message: string; service: string };

describe('following one page by its request id', () => {
  let harness: PagingHarness;
  let backendServer: Awaited<ReturnType<typeof listen>>['server'];
  let gateway: Gateway;
  let backendClient: BackendClient;
  let gatewayUrl: string;
  const gatewayLines: LogLine[] = [];

  beforeAll(async () => {
    // Escalation an hour away: the jobs under test are this page's deliveries, not a later round.
    harness = await startPagingHarness({ notify: { escalateAfterMs: 3_600_000 } });
    const backend = await listen(harness.app);
    backendServer = backend.server;
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => gatewayLines.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine)));
    const logger = createLogger({ service: 'gateway', level: 'debug', format: 'json', stream });
    backendClient = new BackendClient({ baseUrl: backend.url, serviceKey: SERVICE_KEY, timeoutMs: 5000, logger });
    gateway = await createGateway({
      config: { slack: { signingSecret: SIGNING_SECRET, botToken: 'xoxb-e2e', apiUrl: harness.slack.slackApiUrl, botId: 'BE2E', botUserId: 'UE2E' } },
      logger,
      backend: backendClient,
    });
    gatewayUrl = await listenOnLoopback(gateway.server);
    harness.slack.setUser('U0JANE', { real_name: 'Jane Doe', profile: { phone: '+14155550161', display_name: 'jane' } });
  });

  afterAll(async () => {
    backendClient.close();
    await closeNow(gateway.server);
    await closeNow(backendServer);
    await harness.close();
  });

  it('finds the gateway line, the backend request lines and the job lines of the page, each with alert and tenant', async () => {
    const body = slashCommandBody({ text: '<@U0JANE> critical checkout is down', team_id: 'T0TRACE', channel_id: 'C0TRACE', user_id: 'U0CALLER', response_url: harness.slack.responseUrl('trace') });
    const res = await fetch(`${gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
    });
    expect(res.status).toBe(200);
    await harness.twilio.waitForMessage();
    await harness.twilio.waitForCall();

    // The gateway says which request carried the page, and which alert it became.
    const forwarded = gatewayLines.find((line) => line.message === 'alert forwarded');
    expect(forwarded).toMatchObject({ service: 'gateway', requestId: expect.any(String), tenantId: 'T0TRACE', alertId: expect.any(String) });
    const { requestId, alertId } = forwarded as unknown as { requestId: string; alertId: string };

    // Every page's "notification sent" comes from a job; wait for both (WhatsApp and the call).
    const backendLines = () => harness.logLines().map((line) => JSON.parse(line) as LogLine);
    const ofRequest = await harness.eventually(
      async () => backendLines().filter((line) => line.requestId === requestId),
      (lines) => lines.filter((line) => line.message === 'notification sent').length === 2,
    );
    const messages = ofRequest.map((line) => line.message);
    // The request's own line, and lines written by the jobs it created.
    expect(messages).toContain('alert raised');
    expect(messages.filter((m) => m === 'page sent')).toHaveLength(2);
    expect(messages.filter((m) => m === 'notification sent')).toHaveLength(2);
    // Each of them names the alert and the tenant.
    for (const line of ofRequest.filter((l) => ['alert raised', 'page sent', 'notification sent'].includes(l.message))) {
      expect(line).toMatchObject({ alertId, tenantId: 'T0TRACE' });
    }
    // And every backend line that names the alert can be found from the request id.
    const aboutAlert = backendLines().filter((line) => line.alertId === alertId && line.component !== 'job-queue');
    expect(aboutAlert.length).toBeGreaterThanOrEqual(5);
    for (const line of aboutAlert) expect(line).toMatchObject({ requestId, tenantId: 'T0TRACE' });
  });
});
