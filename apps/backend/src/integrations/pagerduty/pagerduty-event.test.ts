import type { Alert } from '../../alerts/alert';
import { outcomeOf, pagerDutyEvent } from './pagerduty-event';

const alert: Alert = {
  id: '7f0e1c9a-0000-4000-8000-000000000000',
  number: 42,
  replyCode: 'K7',
  tenantId: 'T1',
  status: 'triggered',
  severity: 'low',
  message: 'x'.repeat(2000),
  ruleName: null,
  source: null,
  origin: 'api',
  dedupKey: null,
  requestId: null,
  slackChannelId: null,
  slackUserId: null,
  slackResponseUrl: null,
  slackMessageTs: null,
  escalation: null,
  targets: [],
  createdAt: new Date('2026-11-30T10:00:00Z'),
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
};

describe('PagerDuty events', () => {
  it('retries 429, 5xx and no answer; never other 4xx', () => {
    expect([202, 429, 500, 503, null, 400, 403, 404].map(outcomeOf)).toEqual(['sent', 'transient', 'transient', 'transient', 'transient', 'permanent', 'permanent', 'permanent']);
  });

  it('keeps a trigger within PagerDuty’s rules: summary at most 1024 characters, a source even when none was named', () => {
    const event = pagerDutyEvent(alert, 'trigger') as { payload: { summary: string; source: string; severity: string }; links?: unknown };
    expect(event.payload.summary).toHaveLength(1024);
    expect(event.payload.summary.startsWith('#42 xxx')).toBe(true);
    expect(event.payload).toMatchObject({ source: 'klaxon:api', severity: 'info' });
    expect(event.links).toBeUndefined();
  });

  it('acknowledges and resolves by the alert id alone', () => {
    expect(pagerDutyEvent(alert, 'resolve')).toEqual({ event_action: 'resolve', dedup_key: alert.id });
  });
});
