// Across both apps: a page the real backend raises within SLACK_INLINE_ANSWER_MS is answered in the ack
// itself, and the alert the ack names is committed. The slower path (a "⏳" ack, then response_url) is
// checked against a stand-in backend in apps/gateway/test/integration/inline-answer.int.test.ts.
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { startBothApps, type BothApps } from './both-apps';

const SIGNING_SECRET = 'e2e0inline0secret0000000000000ab';
let apps: BothApps;

beforeAll(async () => {
  // The production default: a raise on loopback takes tens of milliseconds, well inside it.
  apps = await startBothApps(SIGNING_SECRET, {}, { inlineAnswerMs: 2000 });
  apps.paging.slack.setUser('U0JANE', { profile: { phone: '+14155550171', display_name: 'jane' } });
});
afterAll(() => apps.close());

describe('an outcome in the ack, against the real backend', () => {
  it('acks with the committed alert\'s number and posts nothing to response_url', async () => {
    const body = slashCommandBody({ text: '<@U0JANE> critical checkout is down', team_id: 'T0INL', channel_id: 'C0INL', user_id: 'U0CALLER', response_url: apps.paging.slack.responseUrl('inline') });
    const res = await fetch(`${apps.gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
    });
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack).toEqual({ response_type: 'ephemeral', text: '🚨 #1 paging <@U0JANE> (WhatsApp + call)' });

    const alert = await apps.paging.db.one<{ number: number; status: string }>("SELECT number, status FROM alerts WHERE tenant_id = 'T0INL'");
    expect(alert).toEqual({ number: 1, status: 'triggered' });
    // Everything the command started is over (the explicit signal), and none of it was a response_url post.
    expect(await apps.gateway.inFlight.drain(10_000)).toBe(true);
    expect(apps.paging.slack.responses('inline')).toEqual([]);
    await apps.paging.twilio.waitForMessage();
  });
});
