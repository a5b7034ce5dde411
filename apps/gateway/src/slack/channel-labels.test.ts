import type { AlertEventDto, ContactDto, TestPagesDto } from '@klaxon/contracts';
import { alertFixture, targetFixture } from '@klaxon/testing';
import { alertList, alertTimeline, pageOutcome, prefsShown, testPagesOutcome } from './messages';

// The gateway shows a channel by the label the backend sends (`channel_labels`), so a channel it was never told of
// reads as the backend's channels declare; an answer from an older backend, without labels, falls back to the shipped
// table, and a channel in neither shows by its name.

const now = new Date('2026-11-23T12:00:00Z');
const LABELS = { whatsapp: 'WhatsApp', voice: 'call', pager: 'Pager' };
const pagerTarget = { ...targetFixture('U1AAA', ['pager', 'voice']), receipts: [{ channel: 'pager', status: 'delivered' as const, at: '2026-11-23T11:51:00.000Z' }] };
const sentOnPager: AlertEventDto<'notification.sent'> = {
  id: 7,
  kind: 'notification.sent',
  actor: 'system',
  note: null,
  at: '2026-11-23T11:50:01.000Z',
  data: { delivery_id: 'd1', channel: 'pager', to: '+1 ******0123', slack_user_id: 'U1AAA', round: 0, attempt: 1, provider_id: 'PG-1' },
};
const contact = (overrides: Partial<ContactDto>): ContactDto => ({
  tenant_id: 'T0001',
  slack_user_id: 'U1AAA',
  name: null,
  phone: '+1 ******0123',
  email: null,
  channels: ['pager', 'voice'],
  time_zone: null,
  quiet_hours: null,
  source: 'self',
  pending_phone: null,
  updated_at: '2026-11-23T11:00:00.000Z',
  ...overrides,
});

describe('channel labels from the backend', () => {
  it('names a channel the gateway was never told of by the backend’s label: the page, receipts, the timeline', () => {
    const alert = alertFixture({ targets: [pagerTarget], channel_labels: LABELS });

    expect(pageOutcome(alert, false)).toBe('🚨 #42 paging <@U1AAA> (Pager + call)');
    expect(alertList([alert], null, now).split('\n')[2]).toMatch(/^ {4}◦ <@U1AAA>: Pager delivered <!date\^\d+\^\{time\}\|11:51 UTC>$/);
    expect(alertTimeline(alert, [sentOnPager], now).split('\n').at(-1)).toBe('• 9 minutes ago: Pager to <@U1AAA> sent');
  });

  it('shows a contact’s channels and TEST pages by the labels that came with them', () => {
    expect(prefsShown(contact({ channel_labels: LABELS })).split('\n')[1]).toMatch(/^• Channels: Pager and call — /);
    const report: TestPagesDto = {
      tenant_id: 'T0001',
      slack_user_id: 'U1AAA',
      reason: null,
      results: [{ channel: 'pager', to: '+1 ******0123', outcome: 'sent', provider_message_id: 'PG-1', detail: null }],
      channel_labels: LABELS,
    };
    expect(testPagesOutcome(report).split('\n')[1]).toBe('• Pager to +1 ******0123: ✅ accepted by the provider');
  });

  it('without labels (an older backend) uses the shipped ones, and an unknown channel’s name', () => {
    const alert = alertFixture({ targets: [pagerTarget] });

    expect(pageOutcome(alert, false)).toBe('🚨 #42 paging <@U1AAA> (pager + call)');
    expect(prefsShown(contact({ channels: ['whatsapp', 'sms'] })).split('\n')[1]).toMatch(/^• Channels: WhatsApp and SMS — /);
  });
});
