import type { AlertDto, AlertTargetDto } from '@klaxon/contracts';

export const FIXTURE_ALERT_ID = '00000000-0000-4000-8000-000000000042';

/** A target being paged on `channels`; pass `reason` (and no channels) for an unreachable one. */
export function targetFixture(slackUserId: string, channels: AlertTargetDto['channels'], reason: string | null = null): AlertTargetDto {
  return {
    slack_user_id: slackUserId,
    name: null,
    phone: channels.length ? '+1 ******0123' : null,
    email: null,
    status: channels.length ? 'paging' : 'unreachable',
    channels,
    reason,
    held: null,
    receipts: [],
  };
}

/** An AlertDto as the backend sends it: triggered #42, critical, one target on WhatsApp + call. */
export function alertFixture(overrides: Partial<AlertDto> = {}): AlertDto {
  return {
    id: FIXTURE_ALERT_ID,
    tenant_id: 'T0001',
    number: 42,
    status: 'triggered',
    severity: 'critical',
    message: 'checkout is down',
    rule_name: null,
    source: null,
    origin: 'slack',
    dedup_key: null,
    covered_by: null,
    targets: [targetFixture('U1AAA', ['whatsapp', 'voice'])],
    slack: { channel_id: 'C0001', user_id: 'U0001' },
    created_at: '2026-11-23T11:50:00.000Z',
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    ...overrides,
  };
}
