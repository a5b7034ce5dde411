import type { MessageAlert, OutboundMessage } from '../src/channels/channel';

/** When the fixture alert was raised; `now` in outboundMessageFixture is two minutes later. */
export const FIXTURE_CREATED_AT = new Date('2026-11-30T08:00:00.000Z');

/** The alert as a channel sees it: #42, critical, "checkout is down", raised through the API by deploy-bot. */
export function messageAlertFixture(overrides: Partial<MessageAlert> = {}): MessageAlert {
  return {
    id: '7f0c5a1e-0000-4000-8000-000000000042',
    tenantId: 'T0001',
    number: 42,
    replyCode: 'K7',
    severity: 'critical',
    message: 'checkout is down',
    origin: 'api',
    inSlack: true,
    createdAt: FIXTURE_CREATED_AT,
    raisedBy: 'deploy-bot',
    paged: ['U0001'],
    ...overrides,
  };
}

/** A page of messageAlertFixture to `to`, sent two minutes after the alert was raised. */
export function outboundMessageFixture(to: string, alert: Partial<MessageAlert> = {}, extra: Partial<Omit<OutboundMessage, 'alert' | 'to'>> = {}): OutboundMessage {
  return { to, alert: messageAlertFixture(alert), now: new Date(FIXTURE_CREATED_AT.getTime() + 2 * 60_000), ...extra };
}
