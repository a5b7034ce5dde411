import request from 'supertest';
import type { AlertDto } from '@klaxon/contracts';
import { startFakePagerDuty, type FakePagerDuty, type FakePagerDutyEvent } from '@klaxon/testing';
import { listAlertEvents } from '../../src/alerts/alert-event.repository';
import { listPagerDutyEvents } from '../../src/integrations/pagerduty/pagerduty.repository';
import { SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { eventually } from './paging-harness';

// The backend with its worker, sending to a local stand-in for PagerDuty's Events API v2 over real HTTP.

const KEY = 'R0123456789abcdef0123456789ABCDE';
// Our settings accept it (20 to 64 characters), PagerDuty does not (integration keys have 32): a real 400.
const WRONG_KEY = 'R0123456789abcdef0123';

let pd: FakePagerDuty;
let harness: BackendHarness;
beforeAll(async () => {
  pd = await startFakePagerDuty();
  harness = await startBackendHarness({ pagerDutyEventsUrl: pd.url });
  await harness.backend.startWorker();
  await configure('T-PD', KEY, 'high');
  await configure('T-PD-WRONG', WRONG_KEY, 'critical');
});
afterAll(async () => {
  await harness.close();
  await pd.close();
});

async function configure(tenant: string, routingKey: string, minSeverity: string): Promise<void> {
  await request(harness.app).put(`/integrations/pagerduty/${tenant}`).set('x-service-key', SERVICE_KEY).send({ routing_key: routingKey, min_severity: minSeverity }).expect(200);
}
async function raise(tenant: string, severity: string, extra: Record<string, unknown> = {}): Promise<AlertDto> {
  const body = { tenant_id: tenant, message: 'checkout is down', severity, source: 'billing-api', targets: [{ phone: '+14155550101' }], ...extra };
  return (await request(harness.app).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(201)).body as AlertDto;
}
const move = (alert: AlertDto, action: 'acknowledge' | 'resolve') =>
  request(harness.app).put(`/alerts/${alert.id}/${action}`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0PD' }).expect(200);
const eventsOf = (alert: AlertDto): FakePagerDutyEvent[] => pd.events.filter((e) => e.dedup_key === alert.id);
const rowsOf = (alert: AlertDto) => listPagerDutyEvents(harness.db, alert.id);

describe('PagerDuty out', () => {
  it('sends a critical alert as trigger, then acknowledge and resolve as it moves', async () => {
    const alert = await raise('T-PD', 'critical', { rule_name: 'CheckoutDown', slack: { channel_id: 'C0PD', user_id: 'U0PD' } });
    const trigger = await pd.waitForEvent((e) => e.dedup_key === alert.id && e.event_action === 'trigger');
    expect(trigger).toMatchObject({
      routing_key: KEY,
      payload: { summary: `#${alert.number} checkout is down`, source: 'billing-api', severity: 'critical', class: 'CheckoutDown', custom_details: { klaxon_alert_id: alert.id, tenant_id: 'T-PD' } },
      links: [{ href: 'https://slack.com/app_redirect?team=T-PD&channel=C0PD', text: `Klaxon alert #${alert.number} in Slack` }],
    });

    await move(alert, 'acknowledge');
    await pd.waitForEvent((e) => e.dedup_key === alert.id && e.event_action === 'acknowledge');
    await move(alert, 'resolve');
    await pd.waitForEvent((e) => e.dedup_key === alert.id && e.event_action === 'resolve');

    expect(eventsOf(alert).map((e) => [e.event_action, e.responseStatus])).toEqual([
      ['trigger', 202],
      ['acknowledge', 202],
      ['resolve', 202],
    ]);
    const timeline = await eventually(() => listAlertEvents(harness.db, alert.id), (events) => events.filter((e) => e.kind === 'pagerduty.sent').length === 3);
    expect(timeline.filter((e) => e.kind === 'pagerduty.sent').map((e) => e.data.action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    // The routing key is a secret of the tenant's: never in the log.
    expect(harness.logLines().join('\n')).not.toContain(KEY);
  });

  it('maps severities and sends nothing below the minimum', async () => {
    // The minimum is compared in the raise's statement (forwardsToPagerDutyCondition): below, at and above it.
    const below = await raise('T-PD', 'medium');
    const high = await raise('T-PD', 'high');
    const critical = await raise('T-PD', 'critical');
    // Owed events are written with the alert, so an alert without a row was never going to be sent.
    expect(await rowsOf(below)).toEqual([]);
    expect((await pd.waitForEvent((e) => e.dedup_key === high.id)).payload?.severity).toBe('error');
    expect((await pd.waitForEvent((e) => e.dedup_key === critical.id)).payload?.severity).toBe('critical');
    await move(below, 'resolve');
    await move(high, 'resolve');
    await move(critical, 'resolve');
    await pd.waitForEvent((e) => e.dedup_key === high.id && e.event_action === 'resolve');
    await pd.waitForEvent((e) => e.dedup_key === critical.id && e.event_action === 'resolve');
    expect(await rowsOf(below)).toEqual([]);
    expect(eventsOf(below)).toEqual([]);
  });

  it('forwards a storm’s alerts at and above the minimum, each once, from the statement that raised them all', async () => {
    await configure('T-PD-AM', KEY, 'high');
    // One Alertmanager group is raised as one chunk: the alerts of one severity share one conditional step.
    const alerts = [
      ['c1', 'critical'],
      ['c2', 'critical'],
      ['h1', 'error'],
      ['w1', 'warning'],
      ['i1', 'info'],
    ].map(([fingerprint, severity]) => ({ status: 'firing', labels: { alertname: `Storm-${fingerprint}`, severity }, annotations: {}, fingerprint, startsAt: '2026-11-30T08:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '' }));
    const group = { version: '4', groupKey: '{}:{alertname="Storm"}', truncatedAlerts: 0, status: 'firing', receiver: 'pd-storm', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.invalid:9093', alerts };
    await request(harness.app).post('/integrations/alertmanager?tenant_id=T-PD-AM').set({ authorization: `Bearer ${SERVICE_KEY}` }).send(group).expect(200);
    // The five, and the summary Alertmanager's storms get (critical, covering them) when the group is large enough.
    const raised = await harness.db.many<{ id: string; severity: string }>("SELECT id, severity FROM alerts WHERE tenant_id = 'T-PD-AM' ORDER BY number");
    expect(raised.filter((a) => a.severity !== 'critical').map((a) => a.severity)).toEqual(['high', 'medium', 'low']);
    const forwarded = raised.filter((a) => a.severity === 'critical' || a.severity === 'high');
    expect(forwarded.length).toBeGreaterThanOrEqual(3);
    for (const alert of forwarded) await pd.waitForEvent((e) => e.dedup_key === alert.id && e.event_action === 'trigger');
    const owed = await harness.db.many<{ alert_id: string }>("SELECT alert_id FROM pagerduty_events WHERE alert_id = ANY($1::uuid[]) AND action = 'trigger' ORDER BY alert_id", [raised.map((a) => a.id)]);
    expect(owed.map((row) => row.alert_id)).toEqual(forwarded.map((a) => a.id).sort());
    expect(pd.events.filter((e) => raised.some((a) => a.id === e.dedup_key)).map((e) => e.dedup_key).sort()).toEqual(forwarded.map((a) => a.id).sort());
  });

  it('retries a 500 and a 429 with backoff until PagerDuty takes the event', async () => {
    pd.failNext(500);
    pd.failNext(429);
    const alert = await raise('T-PD', 'critical');
    await pd.waitForEvent((e) => e.dedup_key === alert.id && e.event_action === 'trigger');
    expect(eventsOf(alert).map((e) => e.responseStatus)).toEqual([500, 429, 202]);
    const rows = await eventually(() => rowsOf(alert), (r) => r[0]?.status === 'sent');
    expect(rows).toEqual([{ action: 'trigger', status: 'sent', attempts: 3, lastError: null }]);
    const kinds = (await listAlertEvents(harness.db, alert.id)).map((e) => e.kind).filter((k) => k.startsWith('pagerduty.'));
    expect(kinds).toEqual(['pagerduty.retrying', 'pagerduty.retrying', 'pagerduty.sent']);
  });

  it('does not retry a 400: says so in the alert’s Slack thread and its events, and sends nothing more for it', async () => {
    const alert = await raise('T-PD-WRONG', 'critical', { slack: { channel_id: 'C0PDWRONG', user_id: 'U0PD' } });
    const notice = await harness.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0PDWRONG' && String(c.args.text ?? '').includes('PagerDuty'), 10_000);
    expect(String(notice.args.text)).toMatch(/PagerDuty answered HTTP 400 to the trigger event of alert #\d+: Event object is invalid \(routing_key: .*\)\. Klaxon will not retry it/);
    const failed = await eventually(() => listAlertEvents(harness.db, alert.id), (events) => events.some((e) => e.kind === 'pagerduty.failed'));
    expect(failed.find((e) => e.kind === 'pagerduty.failed')?.data).toMatchObject({ action: 'trigger', status: 400, error: expect.stringContaining('HTTP 400') });

    // The acknowledgement is owed too, but PagerDuty has no incident: it is recorded as failed, never sent.
    await move(alert, 'acknowledge');
    const rows = await eventually(() => rowsOf(alert), (r) => r.length === 2 && r.every((row) => row.status === 'failed'));
    expect(rows.map((r) => [r.action, r.attempts])).toEqual([
      ['trigger', 1],
      ['acknowledge', 1],
    ]);
    expect(eventsOf(alert).map((e) => [e.event_action, e.responseStatus])).toEqual([['trigger', 400]]);
  });
});
