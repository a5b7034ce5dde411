import { startFakeSlackApi, type FakeSlackApi } from '@klaxon/testing';
import { alertAnswer, sendSlashCommand, SERVICE_KEY, startGateway, startStubBackend, type GatewayHarness } from './harness';

describe('POST /slack/events: a slash command', () => {
  let slack: FakeSlackApi;
  let backend: Awaited<ReturnType<typeof startStubBackend>>;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    slack = await startFakeSlackApi();
    backend = await startStubBackend((_req, { res }) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(alertAnswer(7, ['U123'])));
    });
    gateway = await startGateway({ backendUrl: backend.url, slackApiUrl: slack.slackApiUrl });
  });
  afterAll(async () => {
    await gateway.close();
    await backend.close();
    await slack.close();
  });

  it('is acknowledged at once, forwarded with the service key and a request id, and its outcome reported', async () => {
    const responseUrl = slack.responseUrl('ok');
    const ack = await sendSlashCommand(gateway.url, { text: '<@U123|jane> critical disk full', team_id: 'T0001', response_url: responseUrl, trigger_id: 'trig-1' });
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toEqual({ response_type: 'ephemeral', text: '⏳ Raising an alert for <@U123>…' });

    const outcome = await slack.waitForResponse((body) => String(body.text).includes('#7'), 5000);
    expect(outcome.text).toBe('🚨 #7 paging <@U123> (WhatsApp + call)');
    const forwarded = backend.requests.at(-1)!;
    // The private route: the backend records origin `slack` from it and keeps the text as Slack markup.
    expect(forwarded.path).toBe('/slack/alert');
    expect(forwarded.headers['x-service-key']).toBe(SERVICE_KEY);
    expect(forwarded.headers['x-request-id']).toBe('slack-trig-1');
    expect(forwarded.body).toEqual({
      tenant_id: 'T0001',
      message: 'disk full',
      severity: 'critical',
      targets: [{ slack_user_id: 'U123' }],
      slack: { channel_id: 'C0001', user_id: 'U0001', response_url: responseUrl },
    });
  });

  it('answers help without calling the backend when nobody is mentioned', async () => {
    const before = backend.requests.length;
    const ack = await sendSlashCommand(gateway.url, { text: 'disk full' });
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body).text).toMatch(/I don't know `disk`. To page someone, start with their name/);
    expect(backend.requests.length).toBe(before);
  });

  it('costs no Slack Web API call when the bot ids are configured', async () => {
    await sendSlashCommand(gateway.url, { text: '<@U123> x', response_url: slack.responseUrl('a') });
    await slack.waitForResponse(undefined, 5000);
    expect(slack.calls.map((c) => c.method)).toEqual([]);
  });
});

describe('POST /slack/events: requests that are not from Slack', () => {
  let slack: FakeSlackApi;
  let gateway: GatewayHarness;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    gateway = await startGateway({ backendUrl: 'http://127.0.0.1:9', slackApiUrl: slack.slackApiUrl });
  });
  afterAll(async () => {
    await gateway.close();
    await slack.close();
  });

  it.each([
    ['unsigned', { unsigned: true }, /Failed to verify authenticity/],
    ['signed with the wrong secret', { secret: 'f'.repeat(32) }, /signature mismatch/],
    ['older than five minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }, /stale/],
  ])('answers 401 when %s, and logs why', async (_case, signing, reason) => {
    const before = gateway.logLines().length;
    const res = await sendSlashCommand(gateway.url, { text: '<@U123> x' }, signing);
    expect(res.status).toBe(401);
    const logged = gateway.logLines().slice(before).join('\n');
    expect(logged).toMatch(reason);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/slack/events'],
    ['POST', '/alert'],
    ['GET', '/health'],
    ['GET', '/metrics'],
  ])('answers 404 to %s %s', async (method, path) => {
    const res = await fetch(`${gateway.url}${path}`, { method });
    expect(res.status).toBe(404);
  });

  it('answers GET /healthz', async () => {
    const res = await fetch(`${gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('when the backend is down', () => {
  it('still acks, and tells the user plainly that nothing was paged', async () => {
    const slack = await startFakeSlackApi();
    const closed = await startStubBackend(() => undefined);
    await closed.close(); // its port now refuses connections
    const gateway = await startGateway({ backendUrl: closed.url, slackApiUrl: slack.slackApiUrl });
    try {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U123> critical disk full', response_url: slack.responseUrl('down') });
      expect(ack.status).toBe(200);
      expect(ack.ackMs).toBeLessThan(3000);
      const outcome = await slack.waitForResponse(undefined, 5000);
      expect(outcome.text).toMatch(/^❌ Nothing was paged: the Klaxon backend is unreachable \(ECONNREFUSED\)/);
    } finally {
      await gateway.close();
      await slack.close();
    }
  });

  it('acks well within Slack\'s 3 s while the backend takes 5 s to answer', async () => {
    const slack = await startFakeSlackApi();
    const slow = await startStubBackend((_req, { res }) => {
      setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(alertAnswer(1, ['U123']))), 5000).unref();
    });
    const gateway = await startGateway({ backendUrl: slow.url, slackApiUrl: slack.slackApiUrl, backendTimeoutMs: 1000 });
    try {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U123> critical slow', response_url: slack.responseUrl('slow') });
      expect(ack.status).toBe(200);
      // Not a timing assertion on our speed: the ack must simply not wait for the 5 s backend.
      expect(ack.ackMs).toBeLessThan(3000);
      const outcome = await slack.waitForResponse(undefined, 5000);
      expect(outcome.text).toMatch(/Nothing was paged: the Klaxon backend did not answer in time/);
    } finally {
      await gateway.close();
      await slow.close();
      await slack.close();
    }
  });
});

describe('Slack Web API use without configured bot ids', () => {
  it('calls auth.test exactly once, at start, whatever the number of commands', async () => {
    const slack = await startFakeSlackApi();
    const backend = await startStubBackend((_req, { res }) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(alertAnswer(1, ['U1']))));
    const gateway = await startGateway({ backendUrl: backend.url, slackApiUrl: slack.slackApiUrl, botIds: null });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await sendSlashCommand(gateway.url, { text: '<@U0001> x', response_url: slack.responseUrl(`r${i}`) })).status).toBe(200);
      }
      await slack.waitForResponse((body) => String(body.text).includes('#1'), 5000);
      expect(slack.callsTo('auth.test')).toHaveLength(1);
      expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
    } finally {
      await gateway.close();
      await backend.close();
      await slack.close();
    }
  });
});
