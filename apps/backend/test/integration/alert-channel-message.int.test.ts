import request from 'supertest';
import { SLACK_ACTIONS } from '@klaxon/contracts';
import type { FakeSlackCall } from '@klaxon/testing';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, type PagingHarness } from './paging-harness';

let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness();
  paging.slack.setUser('U0JANE', { profile: { phone: '+14155550121', display_name: 'jane' } });
});
afterAll(() => paging.close());

const actionIds = (call: FakeSlackCall) =>
  ((call.args.blocks as Array<{ type: string; elements?: Array<{ action_id?: string }> }>) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id));
const blockText = (call: FakeSlackCall) => JSON.stringify(call.args.blocks);

describe('the alert message in its Slack channel', () => {
  it('is posted with Acknowledge and Resolve, then updated in place on every change, whoever makes it', async () => {
    const alert = await paging.raise({
      tenant_id: 'T-CHAN',
      message: 'checkout is down',
      severity: 'critical',
      targets: [{ slack_user_id: 'U0JANE' }, { slack_user_id: 'U0NOPHONE' }],
      slack: { channel_id: 'C0CHAN', user_id: 'U0CALLER' },
    });

    const posted = await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0CHAN' && Array.isArray(c.args.blocks), 10_000);
    expect(actionIds(posted)).toEqual([SLACK_ACTIONS.acknowledge, SLACK_ACTIONS.resolve]);
    expect(blockText(posted)).toContain('#1 CRITICAL');
    expect(blockText(posted)).toContain('<@U0JANE>: WhatsApp + call');
    expect(blockText(posted)).toContain('<@U0NOPHONE>: not paged');
    const { slack_message_ts: ts } = await paging.eventually(
      () => paging.db.one<{ slack_message_ts: string | null }>('SELECT slack_message_ts FROM alerts WHERE id = $1', [alert.id]),
      (row) => row.slack_message_ts !== null,
    );

    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0BOB' }).expect(200);
    const acked = await paging.slack.waitForCall('chat.update', (c) => blockText(c).includes('Acknowledged'), 10_000);
    expect(acked.args).toMatchObject({ channel: 'C0CHAN', ts });
    expect(blockText(acked)).toContain('*Acknowledged* by <@U0BOB>');
    expect(actionIds(acked)).toEqual([SLACK_ACTIONS.resolve]);

    await request(paging.app).put(`/alerts/${alert.id}/resolve`).set('x-service-key', SERVICE_KEY).send({ actor: 'deploy-bot' }).expect(200);
    const resolved = await paging.slack.waitForCall('chat.update', (c) => blockText(c).includes('Resolved'), 10_000);
    expect(blockText(resolved)).toContain('*Resolved* by deploy-bot');
    expect(actionIds(resolved)).toEqual([]);
    // One post for the alert's whole life; the rest were updates of it.
    expect(paging.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0CHAN' && Array.isArray(c.args.blocks))).toHaveLength(1);
  });

  it('posts nothing for an alert raised without a channel', async () => {
    const before = paging.slack.callsTo('chat.postMessage').length;
    const alert = await paging.raise({ tenant_id: 'T-NOCHAN', message: 'batch late', severity: 'medium', targets: [{ phone: '+14155550122' }] });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.every((d) => d.status === 'sent'));
    expect(paging.slack.callsTo('chat.postMessage')).toHaveLength(before);
  });
});
