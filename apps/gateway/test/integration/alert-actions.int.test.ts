import { SLACK_ACTIONS } from '@klaxon/contracts';
import { alertFixture, buttonClickPayload, FIXTURE_ALERT_ID, type FakeSlackApi } from '@klaxon/testing';
import { sendInteraction, startGatewayStack, type GatewayHarness, type GatewayStack, type ScriptedBackend } from './harness';

describe('Acknowledge / Resolve buttons through the real Bolt receiver', () => {
  let slack: FakeSlackApi;
  let backend: ScriptedBackend;
  let gateway: GatewayHarness;
  const alertPath = `/alerts/${FIXTURE_ALERT_ID}`;

  let stack: GatewayStack;
  beforeAll(async () => {
    stack = await startGatewayStack();
    ({ slack, backend, gateway } = stack);
  });
  afterAll(() => stack.close());

  it.each([
    ['acknowledge', SLACK_ACTIONS.acknowledge],
    ['resolve', SLACK_ACTIONS.resolve],
  ] as const)('%s: acks the click and PUTs the transition with the clicker as actor, saying nothing more', async (kind, actionId) => {
    backend.on('PUT', `${alertPath}/${kind}`, { status: 200, body: alertFixture({ status: kind === 'acknowledge' ? 'acknowledged' : 'resolved' }) });
    const click = await sendInteraction(gateway.url, buttonClickPayload({ actionId, value: FIXTURE_ALERT_ID, userId: 'U0BOB', teamId: 'T0001', responseUrl: slack.responseUrl(`ok-${kind}`) }));
    expect(click.status).toBe(200);

    const put = await waitFor(() => backend.requestsTo('PUT', `${alertPath}/${kind}`).at(-1));
    expect(put.path).toBe(`${alertPath}/${kind}?tenant_id=T0001`);
    expect(put.body).toEqual({ actor: 'slack:U0BOB' });
    expect(put.headers['x-request-id']).toMatch(/^slack-/);
    // The backend rewrites the channel message; the gateway must not post anything of its own.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(slack.responses(`ok-${kind}`)).toEqual([]);
  });

  it('tells only the clicker, by number, who acknowledged first and when', async () => {
    backend.on('PUT', `${alertPath}/acknowledge`, {
      status: 409,
      body: { error: 'invalid_transition', detail: 'already acknowledged', current: { status: 'acknowledged', by: 'slack:U2BBB', at: new Date(Date.now() - 2 * 60_000).toISOString() } },
    });
    backend.on('GET', alertPath, { status: 200, body: alertFixture({ status: 'acknowledged' }) });
    const click = await sendInteraction(
      gateway.url,
      buttonClickPayload({ actionId: SLACK_ACTIONS.acknowledge, value: FIXTURE_ALERT_ID, userId: 'U0CAROL', responseUrl: slack.responseUrl('twice') }),
    );
    expect(click.status).toBe(200);
    const told = await slack.waitForResponse((b) => slack.responses('twice').includes(b), 5000);
    expect(told).toEqual({ response_type: 'ephemeral', replace_original: false, text: '#42 is already acknowledged by <@U2BBB> 2 minutes ago' });
  });

  it('tells the clicker privately when the backend is unavailable', async () => {
    backend.on('PUT', `${alertPath}/resolve`, { status: 503, body: { error: 'database_unavailable', detail: 'db down' } });
    await sendInteraction(gateway.url, buttonClickPayload({ actionId: SLACK_ACTIONS.resolve, value: FIXTURE_ALERT_ID, responseUrl: slack.responseUrl('down') }));
    const told = await slack.waitForResponse((b) => slack.responses('down').includes(b), 5000);
    expect(told.text).toBe('❌ Could not resolve this alert: the Klaxon backend cannot reach its database. Try again in a minute.');
  });

  it('acks the click at once while the backend takes 5 s', async () => {
    backend.on('PUT', `${alertPath}/acknowledge`, { status: 200, delayMs: 5000, body: alertFixture({ status: 'acknowledged' }) });
    const click = await sendInteraction(gateway.url, buttonClickPayload({ actionId: SLACK_ACTIONS.acknowledge, value: FIXTURE_ALERT_ID, responseUrl: slack.responseUrl('slow') }));
    expect(click.status).toBe(200);
    expect(click.ackMs).toBeLessThan(3000);
  });
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('waited in vain');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
