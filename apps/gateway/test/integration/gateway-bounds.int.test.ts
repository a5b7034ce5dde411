import http from 'node:http';
import net from 'node:net';
import { sendJson, signSlackRequest, slashCommandBody, startFakeSlackApi, type FakeSlackApi, type ServiceProcess } from '@klaxon/testing';
import { SLACK_BODY_LIMIT_BYTES } from '../../src/app';
import { spawnGatewayProcess } from './gateway-process';
import { alertAnswer, SERVICE_KEY, SIGNING_SECRET, sendSlashCommand, startGatewayStack, startStubBackend, type GatewayStack } from './harness';

const spawnGateway = (backendUrl: string, slack: FakeSlackApi): Promise<ServiceProcess> =>
  spawnGatewayProcess({ backendUrl, slackApiUrl: slack.slackApiUrl, serviceKey: SERVICE_KEY, signingSecret: SIGNING_SECRET });

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SIGTERM while a page is being forwarded', () => {
  let slack: FakeSlackApi;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
  });
  afterAll(() => slack.close());

  it('stops accepting, finishes the forward it acknowledged, tells the author, then exits 0', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const backend = await startStubBackend((req, { res }) => {
      if (req.method === 'POST' && req.path === '/slack/alert') void held.then(() => sendJson(res, 201, alertAnswer(42, ['U1AAA'])));
      else sendJson(res, 404, { error: 'not_found', detail: 'stub' });
    });
    const gateway = await spawnGateway(backend.url, slack);
    try {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U1AAA> critical checkout is down', response_url: slack.responseUrl('drain-sent') });
      expect(ack.status).toBe(200);
      await until(() => backend.requests.some((r) => r.path === '/slack/alert'), 'the forward reached the backend');

      gateway.child.kill('SIGTERM');
      await gateway.waitForOutput('gateway stopping');
      // Stopping: no new connection is taken, and the held forward is still waited for.
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
      expect(gateway.child.exitCode).toBeNull();
      expect(slack.responses('drain-sent')).toEqual([]);

      release();
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(slack.responses('drain-sent')).toEqual([expect.objectContaining({ text: expect.stringMatching(/^🚨 #42 paging <@U1AAA>/) })]);
      expect(backend.requests.filter((r) => r.path === '/slack/alert')).toHaveLength(1);
    } finally {
      release();
      await gateway.stop('SIGKILL');
      await backend.close();
    }
  });

  it('tells the author nothing was paged when the backend stays down through the retry budget, then exits 0', async () => {
    const backend = await startStubBackend((_req, { res }) => sendJson(res, 503, { error: 'database_unavailable', detail: 'db down' }));
    const gateway = await spawnGateway(backend.url, slack);
    try {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U1AAA> critical checkout is down', response_url: slack.responseUrl('drain-failed') });
      expect(ack.status).toBe(200);
      await until(() => backend.requests.length > 0, 'the forward reached the backend');

      gateway.child.kill('SIGTERM');
      // The page keeps retrying for its whole budget (10 s), then says so: never silence.
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(slack.responses('drain-failed')).toEqual([expect.objectContaining({ text: expect.stringMatching(/^❌ Nothing was paged: the Klaxon backend cannot reach its database/) })]);
      expect(backend.requests.length).toBeGreaterThan(1);
      expect(new Set(backend.requests.map((r) => r.headers['x-request-id'])).size).toBe(1);
    } finally {
      await gateway.stop('SIGKILL');
      await backend.close();
    }
  }, 30_000);
});

describe('the public server\'s bounds', () => {
  let stack: GatewayStack;
  beforeAll(async () => {
    // Shortened so the slow client below is cut off quickly; the shipped values are SERVER_TIMEOUTS.
    stack = await startGatewayStack({ serverTimeouts: { headersTimeout: 500, requestTimeout: 1000, keepAliveTimeout: 500 } });
  });
  afterAll(() => stack.close());

  /** Posts a signed body with http.request: the gateway may answer before reading all of it. */
  function post(body: string): Promise<number> {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) };
    return new Promise((resolve, reject) => {
      const req = http.request(`${stack.gateway.url}/slack/events`, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The gateway may close the socket while this side is still writing; the answer came first.
      req.on('error', reject);
      req.end(body);
    });
  }

  it('drops a client that never finishes its headers, with 408, instead of holding its socket', async () => {
    const { port } = new URL(stack.gateway.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('POST /slack/events HTTP/1.1\r\nHost: gateway\r\nX-Slack-Signature: v0=');
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('refuses a correctly signed request over the limit with 413, before any listener runs', async () => {
    const oversized = slashCommandBody({ text: `<@U1AAA> critical ${'x'.repeat(SLACK_BODY_LIMIT_BYTES)}`, response_url: stack.slack.responseUrl('too-big') });
    expect(Buffer.byteLength(oversized)).toBeGreaterThan(SLACK_BODY_LIMIT_BYTES);
    expect(await post(oversized)).toBe(413);
    expect(stack.backend.requests).toEqual([]);
    expect(stack.gateway.logLines().some((l) => l.includes('Request body exceeded the maximum allowed size'))).toBe(true);

    // Far larger than anything Slack sends, still under the limit: served as usual.
    stack.backend.on('POST', '/slack/alert', { status: 201, body: alertAnswer(7, ['U1AAA']) });
    const large = slashCommandBody({ text: `<@U1AAA> critical ${'x'.repeat(100_000)}`, response_url: stack.slack.responseUrl('large') });
    expect(await post(large)).toBe(200);
    await stack.slack.waitForResponse((body) => stack.slack.responses('large').includes(body));
    expect(stack.slack.responses('too-big')).toEqual([]);
  });
});
