import { sendJson, startFakeSlackApi, type FakeSlackApi } from '@klaxon/testing';
import { alertAnswer, sendSlashCommand, startGateway, startStubBackend, type GatewayHarness } from './harness';

// Two forwards run, three wait; the sixth command and later find no room.
const LIMITS = { maxInFlight: 2, maxQueued: 3 };

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a gateway whose backend cannot keep up', () => {
  let slack: FakeSlackApi;
  let backend: Awaited<ReturnType<typeof startStubBackend>>;
  let gateway: GatewayHarness;
  let release!: () => void;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    // A slow stand-in: every page waits until the test lets them all through; one target is refused (422).
    const held = new Promise<void>((resolve) => (release = resolve));
    let number = 0;
    backend = await startStubBackend((req, { res }) => {
      const body = req.body as { targets: { slack_user_id: string }[] };
      void held.then(() => {
        if (body.targets[0]?.slack_user_id === 'U0BAD') sendJson(res, 422, { error: 'validation_failed', detail: 'targets[0]: no such user' });
        else sendJson(res, 201, alertAnswer(++number, ['U1AAA']));
      });
    });
    gateway = await startGateway({ backendUrl: backend.url, slackApiUrl: slack.slackApiUrl, forwardLimits: LIMITS });
  });
  afterAll(async () => {
    await gateway.close();
    await backend.close();
    await slack.close();
  });

  it('tells the commands beyond its bounds at once that nothing was paged, completes the others, and leaves none silent', async () => {
    const within = ['U1AAA', 'U1AAA', 'U1AAA', 'U1AAA', 'U0BAD'].map((user, i) => ({ user, id: `within-${i}` }));
    for (const { user, id } of within) {
      const ack = await sendSlashCommand(gateway.url, { text: `<@${user}> high checkout is down`, response_url: slack.responseUrl(id) });
      expect(ack.body).toContain('Raising an alert');
    }
    await until(() => backend.requests.length === LIMITS.maxInFlight, 'the first two forwards reached the backend');
    expect(gateway.gateway.stats().forwards).toMatchObject({ running: 2, queued: 3 });

    // Full: told in the ack itself, while the five admitted ones are still waiting on the backend.
    for (let i = 0; i < 3; i++) {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U1AAA> critical checkout is down', response_url: slack.responseUrl(`beyond-${i}`) });
      expect(ack.status).toBe(200);
      expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Nothing was paged: Klaxon is overloaded, try again in a few seconds') });
    }
    // Other commands are bounded the same way.
    const list = await sendSlashCommand(gateway.url, { text: 'list', response_url: slack.responseUrl('beyond-list') });
    expect(JSON.parse(list.body).text).toContain('Nothing was done: Klaxon is overloaded');
    expect(gateway.gateway.stats().pages).toEqual({ acked: 5, overloaded: 3, raised: 0, toldFailed: 0, untold: 0 });

    release();
    for (const { user, id } of within) {
      const outcome = await slack.waitForResponse((body) => slack.responses(id).includes(body));
      expect(outcome.text).toMatch(user === 'U0BAD' ? /Nothing was paged/ : /#\d+/);
    }
    await until(() => gateway.gateway.inFlight.size === 0, 'every admitted command finished');
    // Every acknowledged page ended in an alert or in a message saying it did not: none silent.
    expect(gateway.gateway.stats().pages).toEqual({ acked: 5, overloaded: 3, raised: 4, toldFailed: 1, untold: 0 });
    expect(gateway.gateway.stats().forwards).toMatchObject({ running: 0, queued: 0, peakRunning: 2, peakQueued: 3 });
    expect(backend.requests).toHaveLength(5);
    // Nothing was said later to the refused ones: their ack was the whole answer.
    for (let i = 0; i < 3; i++) expect(slack.responses(`beyond-${i}`)).toEqual([]);
  });
});
