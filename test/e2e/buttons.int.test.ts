// Across both apps and the notification worker: a page from Slack, its channel message, and the buttons
// on it, each a really signed request through the real Bolt receiver.
import { SLACK_ACTIONS } from '@klaxon/contracts';
import { buttonClickPayload, interactionBody, signSlackRequest, slashCommandBody, type FakeSlackCall } from '@klaxon/testing';
import type { PagingHarness } from '../../apps/backend/test/integration/paging-harness';
import { startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0buttons0secret000000000000ab';
let apps: BothApps;
let paging: PagingHarness;
let gatewayUrl: string;

beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET);
  ({ paging, gatewayUrl } = apps);
  paging.slack.setUser('U0JANE', { profile: { phone: '+14155550151', display_name: 'jane' } });
});
afterAll(() => apps.close());

const post = (body: string) =>
  fetch(`${gatewayUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
    body,
  });
const blocksOf = (call: FakeSlackCall) => JSON.stringify(call.args.blocks);

describe('Acknowledge and Resolve buttons on the channel message', () => {
  it('acknowledge and resolve the alert as the clicking user, and the channel message shows who did it', async () => {
    expect((await post(slashCommandBody({ text: '<@U0JANE> critical checkout is down', team_id: 'T0BTN', channel_id: 'C0BTN', user_id: 'U0CALLER', response_url: paging.slack.responseUrl('page') }))).status).toBe(200);
    const posted = await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0BTN' && Array.isArray(c.args.blocks), 10_000);
    const alertId = JSON.stringify(posted.args.blocks).match(/"value":"([0-9a-f-]{36})"/)![1]!;

    const click = (actionId: string, userId: string, responseKey: string) =>
      post(interactionBody(buttonClickPayload({ actionId, value: alertId, userId, teamId: 'T0BTN', channelId: 'C0BTN', responseUrl: paging.slack.responseUrl(responseKey) })));

    expect((await click(SLACK_ACTIONS.acknowledge, 'U0BOB', 'bob-ack')).status).toBe(200);
    const acked = await paging.slack.waitForCall('chat.update', (c) => blocksOf(c).includes('*Acknowledged* by <@U0BOB>'), 10_000);
    expect(acked.args).toMatchObject({ channel: 'C0BTN' });

    // A second Acknowledge, by someone else: told privately who was first, and nothing changes.
    expect((await click(SLACK_ACTIONS.acknowledge, 'U0CAROL', 'carol-ack')).status).toBe(200);
    const told = await paging.slack.waitForResponse((b) => String(b.text).includes('already acknowledged'), 10_000);
    expect(told).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/#1 is already acknowledged by <@U0BOB>/) });

    expect((await click(SLACK_ACTIONS.resolve, 'U0CAROL', 'carol-resolve')).status).toBe(200);
    const resolved = await paging.slack.waitForCall('chat.update', (c) => blocksOf(c).includes('*Resolved* by <@U0CAROL>'), 10_000);
    expect(JSON.stringify(resolved.args.blocks)).not.toContain(SLACK_ACTIONS.acknowledge);

    const row = await paging.db.one('SELECT status, acknowledged_by, resolved_by FROM alerts WHERE id = $1', [alertId]);
    expect(row).toEqual({ status: 'resolved', acknowledged_by: 'slack:U0BOB', resolved_by: 'slack:U0CAROL' });
  });
});

describe('text typed in Slack', () => {
  it('stays Slack markup in the channel message (origin slack), while the same text from the API is escaped', async () => {
    // What Slack sends for "/alert @jane high @channel db down & more" with escaping on: mentions as tokens, & as an entity.
    const typed = '<!channel> db down &amp; <https://status.example|status>';
    expect((await post(slashCommandBody({ text: `<@U0JANE> high ${typed}`, team_id: 'T0MARK', channel_id: 'C0MARK', user_id: 'U0CALLER', response_url: paging.slack.responseUrl('mark') }))).status).toBe(200);
    const posted = await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0MARK' && Array.isArray(c.args.blocks), 10_000);
    expect(posted.args.text).toBe(`🟠 #1 HIGH: ${typed} (triggered)`);
    expect(blocksOf(posted)).toContain(JSON.stringify(typed).slice(1, -1));
    const row = await paging.db.one("SELECT source, origin FROM alerts WHERE tenant_id = 'T0MARK'");
    expect(row).toEqual({ source: null, origin: 'slack' });

    await paging.raise({ tenant_id: 'T0MARK', message: '<!channel> db down & more', severity: 'high', targets: [{ slack_user_id: 'U0JANE' }], slack: { channel_id: 'C0MARKAPI', user_id: 'U0CALLER' } });
    const fromApi = await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0MARKAPI' && Array.isArray(c.args.blocks), 10_000);
    expect(fromApi.args.text).toBe('🟠 #2 HIGH: &lt;!channel&gt; db down &amp; more (triggered)');
    expect(blocksOf(fromApi)).not.toContain('<!channel>');
  });
});

