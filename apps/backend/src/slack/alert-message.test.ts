import type { HeaderBlock, SectionBlock } from '@slack/types';
import { SLACK_ACTIONS, type AlertOrigin } from '@klaxon/contracts';
import { alertFixture, EDGE_MESSAGES, FIXTURE_ALERT_ID, LONE_SURROGATE, targetFixture } from '@klaxon/testing';
import { buildAlertMessage, SLACK_LIMITS } from './alert-message';

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

  it('says per person what reached them, as Twilio reported it, in each reader’s time', () => {
    const jane = { ...targetFixture('U1AAA', ['whatsapp', 'voice']), receipts: [{ channel: 'whatsapp' as const, status: 'read' as const, at: '2026-11-23T11:41:00Z' }, { channel: 'voice' as const, status: 'answered' as const, at: '2026-11-23T11:42:00Z' }] };
    const { blocks } = buildAlertMessage(alertFixture({ targets: [jane, targetFixture('U2BBB', ['whatsapp'])] }), now);
    const at = (iso: string) => `<!date^${Date.parse(iso) / 1000}^{time}|${iso.slice(0, 16).replace('T', ' ')} UTC>`;
    expect(blocks[2]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `• <@U1AAA>: WhatsApp + call — WhatsApp read ${at('2026-11-23T11:41:00Z')} · call answered ${at('2026-11-23T11:42:00Z')}\n• <@U2BBB>: WhatsApp` },
    });
  });

  it('shows the service paged and the step of its policy standing, whom it reached and why', () => {
    const escalation = { service: 'payments', policy: 'payments-escalation', step: 2, of: 2, pass: 1, passes: 2, paged: [{ person: 'U2BBB', via: 'payments-secondary' }], nobody_on_call: [], ended: null };
    const { blocks } = buildAlertMessage(alertFixture({ targets: [targetFixture('U1AAA', ['whatsapp']), targetFixture('U2BBB', ['whatsapp'])], escalation }), now);
    expect(blocks[2]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '🧭 payments: paging <@U2BBB>, on call for payments-secondary — step 2 of 2, pass 1 of 2' }],
    });
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

  it.each<[string, AlertOrigin]>([
    ['API', 'api'],
    ['Alertmanager', 'alertmanager'],
  ])('escapes %s text in the blocks and the fallback, whatever `source` the caller claimed', (_name, origin) => {
    const api = buildAlertMessage(alertFixture({ origin, source: 'slack', message: 'a <!channel> & <http://x|y>', targets: [] }), now);
    expect(api.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a &lt;!channel&gt; &amp; &lt;http://x|y&gt;' } });
    expect(api.text).toBe('🔴 #42 CRITICAL: a &lt;!channel&gt; &amp; &lt;http://x|y&gt; (triggered)');
    expect(api.blocks.filter((b) => b.type === 'section')).toHaveLength(1);
  });

  it('keeps text typed in Slack (already in Slack’s escaped form) as is', () => {
    const slack = buildAlertMessage(alertFixture({ message: 'ask <@U456> &amp; co' }), now);
    expect(slack.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'ask <@U456> &amp; co' } });
    expect(slack.text).toBe('🔴 #42 CRITICAL: ask <@U456> &amp; co (triggered)');
  });

  it('escapes a target’s name and reason and an API actor', () => {
    const targets = [{ ...targetFixture('U1', [], '<!here> no phone'), slack_user_id: null, name: '<@U999>' }];
    const { blocks } = buildAlertMessage(alertFixture({ targets, status: 'resolved', resolved_by: 'a&b', resolved_at: '2026-11-23T11:59:00Z' }), now);
    expect(blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '• &lt;@U999&gt;: not paged (&lt;!here&gt; no phone)' } });
    expect(JSON.stringify(blocks.at(-1))).toContain('*Resolved* by a&amp;b');
  });

  it.each(['slack:U0BOB and everyone', 'slack:bot', 'slack:u0bob', 'slack:'])('names actor %j as escaped text: a mention only for a well-formed Slack user id', (actor) => {
    const { blocks } = buildAlertMessage(alertFixture({ status: 'resolved', resolved_by: actor, resolved_at: '2026-11-23T11:59:00Z' }), now);
    expect(JSON.stringify(blocks.at(-1))).toContain(`*Resolved* by ${actor} <!date^`);
  });

  it('names a phone-only target by name, else by its masked number', () => {
    const targets = [
      { ...targetFixture('U1', ['sms']), slack_user_id: null, name: 'Ops phone' },
      { ...targetFixture('U1', ['voice']), slack_user_id: null },
    ];
    expect(buildAlertMessage(alertFixture({ targets }), now).blocks[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '• Ops phone: SMS\n• +1 ******0123: call' } });
  });
});

// Block Kit refuses the whole message over a limit: every part is built to fit, the number (header) and the
// way to acknowledge (the button) always survive, only the message is cut.
describe.each<[string, AlertOrigin]>([
  ['API text (escaped, so it grows)', 'api'],
  ['Slack text (kept as markup)', 'slack'],
])('the channel message of %s fits Block Kit', (_name, origin) => {
  const sectionOf = (blocks: unknown[]) => (blocks[1] as SectionBlock).text!.text;
  it.each([...EDGE_MESSAGES, ['exactly at the section limit', 'x'.repeat(SLACK_LIMITS.sectionText)] as const])('%s', (_case, message) => {
    const { text, blocks } = buildAlertMessage(alertFixture({ origin, message }), now);
    const header = (blocks[0] as HeaderBlock).text.text;
    const section = sectionOf(blocks);
    expect(header.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(header).toContain('#42');
    expect(section.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text.length).toBeLessThanOrEqual(header.length + ': '.length + SLACK_LIMITS.fallbackMessage + ' (triggered)'.length);
    expect(text).toMatch(/^🔴 #42 CRITICAL: .*\(triggered\)$/s);
    expect(JSON.stringify(blocks.at(-1))).toContain(SLACK_ACTIONS.acknowledge);
    for (const part of [header, section, text]) expect(part).not.toMatch(LONE_SURROGATE);
    // A cut never leaves half a mention or entity behind.
    expect(section).not.toMatch(/<[^>]*…$|&[#A-Za-z0-9]*…$/);
    if (message.length <= SLACK_LIMITS.sectionText && origin === 'slack') expect(section).toBe(message);
  });
});
