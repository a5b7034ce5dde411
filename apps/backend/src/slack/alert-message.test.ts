import { SLACK_ACTIONS } from '@klaxon/contracts';
import { alertFixture, FIXTURE_ALERT_ID, targetFixture } from '@klaxon/testing';
import { buildAlertMessage } from './alert-message';

const now = new Date('2026-11-23T12:00:00Z');

describe('buildAlertMessage', () => {
  it('shows a triggered alert: header, message, targets, who raised it, and both buttons', () => {
    const alert = alertFixture({ targets: [targetFixture('U1AAA', ['whatsapp', 'voice']), targetFixture('U3CCC', [], 'no phone number')] });
    const { text, blocks } = buildAlertMessage(alert, now);
    expect(text).toBe('🔴 #42 CRITICAL: checkout is down (triggered)');
    expect(blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '🔴 #42 CRITICAL', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'checkout is down' } },
      { type: 'section', text: { type: 'mrkdwn', text: '• <@U1AAA>: WhatsApp + call\n• <@U3CCC>: not paged (no phone number)' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `*Triggered* <!date^${Date.parse('2026-11-23T11:50:00Z') / 1000}^at {time}|2026-11-23 11:50 UTC> by <@U0001>` }] },
      {
        type: 'actions',
        block_id: 'klaxon_actions',
        elements: [
          { type: 'button', action_id: SLACK_ACTIONS.acknowledge, value: FIXTURE_ALERT_ID, style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' } },
          { type: 'button', action_id: SLACK_ACTIONS.resolve, value: FIXTURE_ALERT_ID, style: 'danger', text: { type: 'plain_text', text: 'Resolve' } },
        ],
      },
    ]);
  });

  it('after acknowledgement says who and when, and offers only Resolve', () => {
    const { blocks } = buildAlertMessage(alertFixture({ status: 'acknowledged', acknowledged_by: 'slack:U2BBB', acknowledged_at: '2026-11-22T09:05:00Z' }), now);
    expect(blocks.at(-2)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `*Acknowledged* by <@U2BBB> <!date^${Date.parse('2026-11-22T09:05:00Z') / 1000}^on {date_short} at {time}|2026-11-22 09:05 UTC>` }],
    });
    expect(blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ action_id: SLACK_ACTIONS.resolve, style: 'danger' }] });
  });

  it('once resolved has no buttons, and names an API actor as written', () => {
    const { text, blocks } = buildAlertMessage(alertFixture({ status: 'resolved', resolved_by: 'alertmanager', resolved_at: '2026-11-23T11:59:00Z' }), now);
    expect(text).toMatch(/\(resolved\)$/);
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(blocks.at(-1))).toContain('*Resolved* by alertmanager <!date^');
  });

  it('escapes raw API text so it cannot inject mentions or links, but keeps Slack-escaped text as is', () => {
    const api = buildAlertMessage(alertFixture({ source: 'api', message: 'a <!channel> & <http://x|y>', targets: [] }), now);
    expect(api.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a &lt;!channel&gt; &amp; &lt;http://x|y&gt;' } });
    expect(api.blocks.filter((b) => b.type === 'section')).toHaveLength(1);
    const slack = buildAlertMessage(alertFixture({ message: 'ask <@U456> &amp; co' }), now);
    expect(slack.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'ask <@U456> &amp; co' } });
  });

  it('names a phone-only target by name, else by its masked number', () => {
    const targets = [
      { ...targetFixture('U1', ['sms']), slack_user_id: null, name: 'Ops phone' },
      { ...targetFixture('U1', ['voice']), slack_user_id: null },
    ];
    expect(buildAlertMessage(alertFixture({ targets }), now).blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '• Ops phone: SMS\n• +1******0123: call' } });
  });
});
