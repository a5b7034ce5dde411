import request from 'supertest';
import type { AlertDto } from '@klaxon/contracts';
import { realisticAlertmanagerAlert } from '@klaxon/testing';
import { ALERT_CHUNK_SIZE } from '../../src/alerts/alert.service';
import { alertDedupKey } from '../../src/integrations/alertmanager';
import { escalationJobKey } from '../../src/jobs/job-queue';
import { findJobs } from '../../src/jobs/keyed-jobs.repository';
import { ACME_KEY, buildApp, SERVICE_KEY, startUnreachableBackend } from './helpers';
import { startPagingHarness, type PagingHarness } from './paging-harness';

// The webhook route on the real backend (PostgreSQL, target resolution, paging plan): mapping, auth, dedup,
// resolution, the summary rule and the rate limits. The real Alertmanager is in alertmanager-real.int.test.ts.

let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness();
  paging.slack.setUser('U0AMA', { real_name: 'Ann', profile: { phone: '+14155550171', display_name: 'ann' } });
  paging.slack.setUser('U0AMB', { real_name: 'Bob', profile: { phone: '+14155550172', display_name: 'bob' } });
});
afterAll(() => paging.close());

interface AmAlert {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  fingerprint: string;
}
const payload = (alerts: AmAlert[], extra: Record<string, unknown> = {}) => ({
  version: '4',
  groupKey: '{}:{alertname="Test"}',
  truncatedAlerts: 0,
  status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
  receiver: 'team-payments',
  groupLabels: { service: 'checkout' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager.invalid:9093',
  alerts: alerts.map((a) => ({ status: 'firing', annotations: {}, startsAt: '2026-11-30T08:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', ...a })),
  ...extra,
});
const post = (query: string, body: object, auth: Record<string, string> = { authorization: `Bearer ${SERVICE_KEY}` }, app = paging.app) =>
  request(app).post(`/integrations/alertmanager?${query}`).set(auth).send(body);
const getAlert = async (id: string): Promise<AlertDto> => (await request(paging.app).get(`/alerts/${id}`).set('x-service-key', SERVICE_KEY).expect(200)).body as AlertDto;
/** The dedup key of an alert of the default payload's receiver. */
const keyOf = (fingerprint: string) => alertDedupKey('team-payments', fingerprint);
const alertsOf = async (tenant: string): Promise<AlertDto[]> =>
  (await request(paging.app).get(`/alerts?tenant_id=${tenant}&limit=200`).set('x-service-key', SERVICE_KEY).expect(200)).body.alerts as AlertDto[];

describe('mapping an Alertmanager alert to a Klaxon alert', () => {
  it.each([
    ['critical', 'critical'],
    ['error', 'high'],
    ['high', 'high'],
    ['warning', 'medium'],
    ['info', 'low'],
    ['p1', 'high'],
  ])('severity label %p raises a %s alert', async (label, severity) => {
    const res = await post('tenant_id=T-AM-SEV&page=U0AMA', payload([{ labels: { alertname: 'Sev', severity: label }, fingerprint: `sev-${label}` }])).expect(200);
    expect((await getAlert(res.body.raised[0].alert_id)).severity).toBe(severity);
  });

  it('takes message, source, rule name, dedup key, channel and origin from the alert and the route', async () => {
    const res = await post(
      'tenant_id=T-AM-MAP&page=U0AMA&channel=C0AMCHAN',
      payload([
        { labels: { alertname: 'DiskFull', severity: 'warning', instance: 'db-1:9100', job: 'node' }, annotations: { summary: 'disk <full> & more' }, fingerprint: 'map-1' },
        { labels: { alertname: 'HighLatency', job: 'api', zone: 'eu' }, fingerprint: 'map-2' },
        { labels: { alertname: 'NoJob' }, fingerprint: 'map-3' },
      ]),
    ).expect(200);
    const [first, second, third] = await Promise.all((res.body.raised as { alert_id: string }[]).map((r) => getAlert(r.alert_id)));
    expect(first).toMatchObject({ message: 'disk <full> & more', source: 'db-1:9100', rule_name: 'DiskFull', dedup_key: keyOf('map-1'), origin: 'alertmanager', slack: { channel_id: 'C0AMCHAN', user_id: null } });
    expect(second).toMatchObject({ message: 'HighLatency {job="api", zone="eu"}', source: 'api', severity: 'high', dedup_key: keyOf('map-2') });
    // The fingerprint stays readable in the key, the receiver is hashed.
    expect(keyOf('map-1')).toMatch(/^alertmanager:map-1:[0-9a-f]{16}$/);
    expect(third).toMatchObject({ message: 'NoJob', source: 'team-payments' });
    expect(first!.targets).toEqual([expect.objectContaining({ slack_user_id: 'U0AMA', status: 'paging' })]);
  });

  it('answers 422 naming the receiver URL parameter or the payload field: a bad page entry, a wrong version, a bad channel', async () => {
    // A "+" left unencoded in the receiver URL arrives as a space: the answer says how to write it.
    expect((await post('tenant_id=T-AM-422&page=U0AMA,+14155550101', payload([{ labels: {}, fingerprint: 'f422' }])).expect(422)).body.detail).toMatch(/^page: .* as %2B$/);
    expect((await post('tenant_id=T-AM-422&page=U0AMA,%2B14155550101', payload([{ labels: {}, fingerprint: 'f422-plus' }])).expect(200)).body.raised).toHaveLength(1);
    expect((await post('tenant_id=T-AM-422&page=bob', payload([{ labels: {}, fingerprint: 'f422' }])).expect(422)).body.detail).toMatch(/^page: "bob" is neither/);
    expect((await post('tenant_id=T-AM-422&page=U0AMA&allow_numbers=yes', payload([{ labels: {}, fingerprint: 'f422' }])).expect(422)).body.detail).toMatch(/^allow_numbers: /);
    expect((await post('tenant_id=T-AM-422&page=U0AMA', payload([{ labels: {}, fingerprint: 'f422' }], { version: '3' })).expect(422)).body.detail).toMatch(/^version: must be "4"/);
    expect((await post('tenant_id=T-AM-422&page=U0AMA&channel=general', payload([{ labels: {}, fingerprint: 'f422' }])).expect(422)).body.detail).toMatch(/^channel: /);
    expect((await post('tenant_id=T-AM-422&page=U0AMA', { ...payload([]), alerts: 'none' }).expect(422)).body.detail).toMatch(/^alerts: /);
    expect((await alertsOf('T-AM-422')).map((a) => a.dedup_key)).toEqual([keyOf('f422-plus')]);
  });
});

const eventsOf = async (id: string) => (await request(paging.app).get(`/alerts/${id}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as { kind: string; note: string | null }[];
const handledIds = (body: Record<string, { alert_id: string; dedup_key: string }[]>) =>
  new Map(['raised', 'recorded', 'deduplicated'].flatMap((list) => body[list]!.map((h) => [h.dedup_key, h.alert_id] as const)));

describe('who is paged: the receiver URL decides, labels name Slack users, each alert on its own', () => {
  it("pages the receiver URL's people whatever a page label says: a label can neither skip them nor page a number", async () => {
    const res = await post(
      'tenant_id=T-AM-URL&page=U0AMA',
      payload([
        { labels: { alertname: 'Own', page: 'U0AMB' }, fingerprint: 'url-1' },
        { labels: { alertname: 'Number', page: '+19005550100' }, fingerprint: 'url-2' },
        { labels: { alertname: 'Default' }, fingerprint: 'url-3' },
      ]),
    ).expect(200);
    const alerts = await Promise.all((res.body.raised as { alert_id: string }[]).map((r) => getAlert(r.alert_id)));
    expect(alerts.map((a) => [a.dedup_key, a.targets.map((t) => t.slack_user_id ?? t.phone)])).toEqual([
      [keyOf('url-1'), ['U0AMA']],
      [keyOf('url-2'), ['U0AMA']],
      [keyOf('url-3'), ['U0AMA']],
    ]);
    // A label the URL overrides is no problem; one that tried to page a number is reported (masked), and noted.
    const id = handledIds(res.body).get('url-2')!;
    expect(res.body.problems).toEqual([
      { index: 1, fingerprint: 'url-2', field: 'labels.page', reason: expect.stringMatching(/^"\+1 \*+0100" is a phone number: a label may name Slack user ids only .*allow_numbers=true/), alert_id: id, number: expect.any(Number), paged: true },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('9005550100');
    expect((await eventsOf(id))[0]).toMatchObject({ kind: 'created', note: expect.stringMatching(/^misrouted: labels\.page: .*; paged the receiver URL's people instead$/) });
    for (const alert of alerts) expect((await paging.deliveries(alert.id)).map((d) => d.address)).not.toContain('whatsapp:+19005550100');
  });

  it('without a page in the URL, pages the Slack users of the page label; a number in it only with allow_numbers=true', async () => {
    const res = await post(
      'tenant_id=T-AM-LABEL',
      payload([
        { labels: { alertname: 'Users', page: 'U0AMB' }, fingerprint: 'label-1' },
        { labels: { alertname: 'Mixed', page: 'U0AMB, +14155550179' }, fingerprint: 'label-2' },
      ]),
    ).expect(200);
    const [users, mixed] = await Promise.all((res.body.raised as { alert_id: string }[]).map((r) => getAlert(r.alert_id)));
    expect(users!.targets.map((t) => t.slack_user_id)).toEqual(['U0AMB']);
    // The number is refused, the person still paged.
    expect(mixed!.targets.map((t) => t.slack_user_id ?? t.phone)).toEqual(['U0AMB']);
    expect(res.body.problems).toEqual([expect.objectContaining({ index: 1, fingerprint: 'label-2', field: 'labels.page', alert_id: mixed!.id, paged: true })]);

    const allowed = await post('tenant_id=T-AM-LABEL&allow_numbers=true', payload([{ labels: { alertname: 'Mixed', page: 'U0AMB,+14155550179' }, fingerprint: 'label-3' }])).expect(200);
    expect(allowed.body.problems).toEqual([]);
    expect((await getAlert(allowed.body.raised[0].alert_id)).targets.map((t) => t.slack_user_id ?? t.phone)).toEqual(['U0AMB', '+1 ******0179']);
  });

  it('raises the good alerts of a group; one nobody can be paged for is recorded (no one paged), reported, and says why', async () => {
    const res = await post(
      'tenant_id=T-AM-BAD',
      payload([
        { labels: { alertname: 'Fine', page: 'U0AMA' }, fingerprint: 'bad-ok' },
        { labels: { alertname: 'Lost' }, fingerprint: 'bad-nobody' },
        { labels: { alertname: 'Named', page: 'jane' }, fingerprint: 'bad-jane' },
      ]),
    ).expect(200);
    expect(res.body.raised).toEqual([expect.objectContaining({ dedup_key: 'bad-ok' })]);
    expect(res.body.recorded.map((h: { dedup_key: string }) => h.dedup_key)).toEqual(['bad-nobody', 'bad-jane']);
    const ids = handledIds(res.body);
    expect(res.body.problems).toEqual([
      { index: 1, fingerprint: 'bad-nobody', field: 'labels.page', reason: expect.stringMatching(/^nobody to page: add a "page" label .* or page=.* to the receiver URL/), alert_id: ids.get('bad-nobody'), number: expect.any(Number), paged: false },
      { index: 2, fingerprint: 'bad-jane', field: 'labels.page', reason: expect.stringMatching(/^"jane" is not a Slack user id/), alert_id: ids.get('bad-jane'), number: expect.any(Number), paged: false },
    ]);
    expect(await paging.deliveries(ids.get('bad-ok')!)).toHaveLength(1);
    for (const key of ['bad-nobody', 'bad-jane']) {
      expect(await getAlert(ids.get(key)!)).toMatchObject({ status: 'triggered', targets: [] });
      expect(await paging.deliveries(ids.get(key)!)).toEqual([]);
      expect((await eventsOf(ids.get(key)!))[0]).toMatchObject({ kind: 'created', note: expect.stringMatching(/^not paged: labels\.page: /) });
    }
    // Sent again: nothing new, the problems still said.
    const again = await post('tenant_id=T-AM-BAD', payload([{ labels: { alertname: 'Lost' }, fingerprint: 'bad-nobody' }])).expect(200);
    expect(again.body).toMatchObject({ recorded: [], deduplicated: [{ alert_id: ids.get('bad-nobody') }], problems: [expect.objectContaining({ index: 0, paged: false })] });
    // Its end is no problem: whom it would page does not matter any more.
    const ended = await post('tenant_id=T-AM-BAD', payload([{ status: 'resolved', labels: { alertname: 'Lost' }, fingerprint: 'bad-nobody' }])).expect(200);
    expect(ended.body).toMatchObject({ resolved: [{ alert_id: ids.get('bad-nobody') }], problems: [] });
  });

  it("takes a malformed alert too: reported by index and field, paged to the receiver URL's people, else recorded", async () => {
    const alerts = [
      { status: 'firing', labels: { alertname: 'NoPrint' }, annotations: {} },
      { status: 'firing', labels: { alertname: 'Odd', replicas: 3 }, annotations: {}, fingerprint: 'shape-2' },
      { status: 'firing', labels: { alertname: 'Fine' }, annotations: {}, fingerprint: 'shape-ok' },
    ];
    const res = await post('tenant_id=T-AM-SHAPE&page=U0AMA', { ...payload([]), alerts }).expect(200);
    expect(res.body.raised).toHaveLength(3);
    for (const { alert_id } of res.body.raised as { alert_id: string }[]) expect((await getAlert(alert_id)).targets.map((t) => t.slack_user_id)).toEqual(['U0AMA']);
    expect(res.body.problems).toEqual([
      expect.objectContaining({ index: 0, fingerprint: null, field: 'fingerprint', paged: true }),
      expect.objectContaining({ index: 1, fingerprint: 'shape-2', field: 'labels.replicas', paged: true }),
    ]);
    // The one without a fingerprint is known again by its labels: sent again, it pages no one twice.
    const again = await post('tenant_id=T-AM-SHAPE&page=U0AMA', { ...payload([]), alerts }).expect(200);
    expect(again.body.raised).toEqual([]);
    expect(again.body.deduplicated).toHaveLength(3);

    const unrouted = await post('tenant_id=T-AM-SHAPE2', { ...payload([]), alerts: [{ ...alerts[1], labels: { alertname: 'Odd', replicas: 3, page: 'U0AMA' } }] }).expect(200);
    expect(unrouted.body.recorded).toHaveLength(1);
    expect(unrouted.body.problems).toEqual([expect.objectContaining({ index: 0, field: 'labels.replicas', paged: false })]);
  });
});

describe('authentication', () => {
  const body = payload([{ labels: { alertname: 'Auth' }, fingerprint: 'auth-1' }]);

  it('takes the service key as Authorization: Bearer or as x-service-key', async () => {
    await post('tenant_id=T-AM-AUTH&page=U0AMA', body, { authorization: `Bearer ${SERVICE_KEY}` }).expect(200);
    const again = await post('tenant_id=T-AM-AUTH&page=U0AMA', body, { 'x-service-key': SERVICE_KEY }).expect(200);
    expect(again.body.deduplicated).toHaveLength(1);
  });

  it('answers 401 without a key, to a wrong Bearer token, and to another scheme', async () => {
    expect((await post('tenant_id=T-AM-AUTH&page=U0AMA', body, {}).expect(401)).body.detail).toMatch(/Authorization: Bearer/);
    expect((await post('tenant_id=T-AM-AUTH&page=U0AMA', body, { authorization: 'Bearer wrong-key' }).expect(401)).body.detail).toBe(
      'the Authorization: Bearer token does not match any configured key',
    );
    await post('tenant_id=T-AM-AUTH&page=U0AMA', body, { authorization: `Basic ${Buffer.from(`x:${SERVICE_KEY}`).toString('base64')}` }).expect(401);
  });

  it('lets a key bound to a tenant raise for that tenant only (403 for another, nothing stored)', async () => {
    await post('tenant_id=acme&page=U0AMA', body, { authorization: `Bearer ${ACME_KEY}` }).expect(200);
    const refused = await post('tenant_id=T-AM-OTHER&page=U0AMA', body, { authorization: `Bearer ${ACME_KEY}` }).expect(403);
    expect(refused.body).toEqual({ error: 'forbidden', detail: expect.stringMatching(/^tenant_id: this service key is bound to tenant acme/) });
    expect(await alertsOf('T-AM-OTHER')).toEqual([]);
  });

  it("lets a key bound to a tenant name only a channel the tenant has used from Slack (422 naming channel, nothing stored); the unbound key names any", async () => {
    const refused = await post('tenant_id=acme&page=U0AMA&channel=C0NOTOURS', body, { authorization: `Bearer ${ACME_KEY}` }).expect(422);
    expect(refused.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^channel: a key bound to a tenant may name only a channel/) });
    expect((await alertsOf('acme')).filter((alert) => alert.slack?.channel_id === 'C0NOTOURS')).toEqual([]);
    const anyChannel = await post('tenant_id=acme&page=U0AMA&channel=C0NOTOURS', payload([{ labels: { alertname: 'Chan' }, fingerprint: 'chan-1' }]), {
      authorization: `Bearer ${SERVICE_KEY}`,
    }).expect(200);
    expect(anyChannel.body.raised).toHaveLength(1);
  });
});

describe('dedup and resolution', () => {
  it('pages once for a firing alert sent again, and resolves it as alertmanager when it is sent resolved', async () => {
    const firing = payload([{ labels: { alertname: 'Once', severity: 'critical' }, fingerprint: 'once-1' }]);
    const first = await post('tenant_id=T-AM-DEDUP&page=U0AMA', firing).expect(200);
    expect(first.body).toMatchObject({ raised: [{ dedup_key: 'once-1', status: 'triggered' }], deduplicated: [], resolved: [] });
    const id = first.body.raised[0].alert_id as string;
    for (let i = 0; i < 2; i++) {
      const again = await post('tenant_id=T-AM-DEDUP&page=U0AMA', firing).expect(200);
      expect(again.body).toMatchObject({ raised: [], deduplicated: [{ alert_id: id }] });
    }
    expect(await alertsOf('T-AM-DEDUP')).toHaveLength(1);
    expect((await paging.deliveries(id)).map((d) => d.channel).sort()).toEqual(['voice', 'whatsapp']);

    const resolved = await post('tenant_id=T-AM-DEDUP&page=U0AMA', payload([{ status: 'resolved', labels: { alertname: 'Once' }, fingerprint: 'once-1' }])).expect(200);
    expect(resolved.body).toMatchObject({ resolved: [{ alert_id: id, status: 'resolved' }], not_open: [] });
    expect(await getAlert(id)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager' });
    // Sent resolved again (Alertmanager retries): nothing open, nothing done.
    expect((await post('tenant_id=T-AM-DEDUP&page=U0AMA', payload([{ status: 'resolved', labels: {}, fingerprint: 'once-1' }])).expect(200)).body).toMatchObject({
      resolved: [],
      not_open: ['once-1'],
    });
    // Firing again after it was resolved is a new incident: a new alert.
    expect((await post('tenant_id=T-AM-DEDUP&page=U0AMA', firing).expect(200)).body.raised[0].alert_id).not.toBe(id);
  });

  it('resolves an acknowledged alert too', async () => {
    const raised = await post('tenant_id=T-AM-ACK&page=U0AMA', payload([{ labels: { alertname: 'Ack' }, fingerprint: 'ack-1' }])).expect(200);
    const id = raised.body.raised[0].alert_id as string;
    await request(paging.app).put(`/alerts/${id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0AMA' }).expect(200);
    await post('tenant_id=T-AM-ACK&page=U0AMA', payload([{ status: 'resolved', labels: {}, fingerprint: 'ack-1' }])).expect(200);
    expect(await getAlert(id)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager', acknowledged_by: 'slack:U0AMA' });
  });
});

describe('dedup per receiver', () => {
  it('pages the people of each receiver an alert is routed to (continue: true), and resolves each on its own', async () => {
    const alert = { labels: { alertname: 'Both', severity: 'critical' }, fingerprint: 'cont-1' };
    const toA = await post('tenant_id=T-AM-CONT&page=U0AMA', payload([alert], { receiver: 'team-a' })).expect(200);
    const toB = await post('tenant_id=T-AM-CONT&page=U0AMB', payload([alert], { receiver: 'team-b' })).expect(200);
    expect(toA.body.raised).toEqual([expect.objectContaining({ dedup_key: 'cont-1' })]);
    expect(toB.body.raised).toEqual([expect.objectContaining({ dedup_key: 'cont-1' })]);
    const [a, b] = [toA.body.raised[0].alert_id as string, toB.body.raised[0].alert_id as string];
    expect(a).not.toBe(b);
    expect((await paging.deliveries(b)).map((d) => d.slackUserId)).toContain('U0AMB');
    // Each receiver's repeat dedups on its own alert.
    expect((await post('tenant_id=T-AM-CONT&page=U0AMB', payload([alert], { receiver: 'team-b' })).expect(200)).body.deduplicated).toEqual([expect.objectContaining({ alert_id: b })]);

    const ended = { ...alert, status: 'resolved' as const };
    expect((await post('tenant_id=T-AM-CONT&page=U0AMA', payload([ended], { receiver: 'team-a' })).expect(200)).body.resolved).toEqual([expect.objectContaining({ alert_id: a, dedup_key: 'cont-1' })]);
    expect(await getAlert(b)).toMatchObject({ status: 'triggered' });
    await post('tenant_id=T-AM-CONT&page=U0AMB', payload([ended], { receiver: 'team-b' })).expect(200);
    expect(await getAlert(b)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager' });
  });

  it('still finds an alert raised before dedup keys named the receiver (a deploy strands none), and never an API alert', async () => {
    // As the previous release stored it: the bare fingerprint as dedup key.
    const { alert: legacy } = await paging.backend.alerts.raise({
      tenantId: 'T-AM-LEGACY',
      origin: 'alertmanager',
      severity: 'high',
      message: 'raised before the upgrade',
      ruleName: 'Old',
      source: 'team-payments',
      dedupKey: 'legacy-1',
      requestId: null,
      slackChannelId: null,
      slackUserId: null,
      slackResponseUrl: null,
      targets: [{ slackUserId: 'U0AMA' }],
    });
    const api = await paging.raise({ tenant_id: 'T-AM-LEGACY', message: 'from a script', dedup_key: 'api-1', targets: [{ slack_user_id: 'U0AMA' }] });

    const again = await post('tenant_id=T-AM-LEGACY&page=U0AMA', payload([{ labels: { alertname: 'Old' }, fingerprint: 'legacy-1' }])).expect(200);
    expect(again.body).toMatchObject({ raised: [], deduplicated: [{ alert_id: legacy.id, dedup_key: 'legacy-1' }] });
    const ended = await post('tenant_id=T-AM-LEGACY&page=U0AMA', payload([{ status: 'resolved', labels: {}, fingerprint: 'legacy-1' }, { status: 'resolved', labels: {}, fingerprint: 'api-1' }])).expect(200);
    expect(ended.body).toMatchObject({ resolved: [{ alert_id: legacy.id, dedup_key: 'legacy-1' }], not_open: ['api-1'] });
    expect(await getAlert(legacy.id)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager' });
    expect(await getAlert(api.id)).toMatchObject({ status: 'triggered' });
  });
});

describe('the summary rule', () => {
  const storm = (n: number, prefix: string, severity = 'warning') =>
    Array.from({ length: n }, (_, i) => ({ labels: { alertname: i % 2 ? 'ErrorRate' : 'HighLatency', severity, instance: `web-${i}` }, fingerprint: `${prefix}-${i}` }));

  it('pages up to three new alerts for the same people one by one', async () => {
    const res = await post('tenant_id=T-AM-THREE&page=U0AMA', payload(storm(3, 'three'))).expect(200);
    expect(res.body.raised).toHaveLength(3);
    expect(res.body.summaries).toEqual([]);
    // Raised together in one statement, each with its own page and number.
    const raised = res.body.raised as { alert_id: string; number: number }[];
    expect(new Set(raised.map((r) => r.number)).size).toBe(3);
    for (const { alert_id } of raised) expect((await paging.deliveries(alert_id)).map((d) => `${d.slackUserId}:${d.channel}`)).toEqual(['U0AMA:whatsapp']);
  });

  it('pages each person once with a summary for more, records the alerts without paging, and resolves it all with the group', async () => {
    const alerts = [...storm(13, 'storm'), { labels: { alertname: 'CheckoutDown', severity: 'critical' }, fingerprint: 'storm-crit' }];
    const res = await post('tenant_id=T-AM-STORM&page=U0AMA,U0AMB&channel=C0AMSTORM', payload(alerts)).expect(200);
    expect(res.body).toMatchObject({ raised: [], deduplicated: [], resolved: [] });
    expect(res.body.summaries).toHaveLength(1);
    expect(res.body.recorded).toHaveLength(14);

    const summary = await getAlert(res.body.summaries[0].alert_id);
    expect(summary).toMatchObject({
      severity: 'critical',
      origin: 'alertmanager',
      source: 'team-payments',
      message: '14 alerts firing for checkout: HighLatency (7), ErrorRate (6), CheckoutDown',
      dedup_key: expect.stringMatching(/^alertmanager-group:/),
      slack: { channel_id: 'C0AMSTORM', user_id: null },
    });
    expect(summary.targets.map((t) => t.slack_user_id)).toEqual(['U0AMA', 'U0AMB']);
    // One page per person (WhatsApp and call for critical), none for the recorded alerts.
    expect((await paging.deliveries(summary.id)).map((d) => `${d.slackUserId}:${d.channel}`).sort()).toEqual(['U0AMA:voice', 'U0AMA:whatsapp', 'U0AMB:voice', 'U0AMB:whatsapp']);
    const escalation = async (alertId: string) => (await findJobs(paging.db, [escalationJobKey(alertId)]))[0] ?? null;
    expect(await escalation(summary.id)).not.toBeNull();
    for (const { alert_id } of res.body.recorded as { alert_id: string }[]) {
      const recorded = await getAlert(alert_id);
      expect(recorded).toMatchObject({ targets: [], slack: null, covered_by: summary.id });
      expect(await paging.deliveries(alert_id)).toEqual([]);
      // Nobody to page and no channel: no escalation rounds either.
      expect(await escalation(alert_id)).toBeNull();
    }

    // While the summary is open, a new alert of the group for the same people is recorded under it.
    const more = await post('tenant_id=T-AM-STORM&page=U0AMB,U0AMA', payload([...alerts, { labels: { alertname: 'Late' }, fingerprint: 'storm-late' }])).expect(200);
    expect(more.body).toMatchObject({ raised: [], summaries: [] });
    expect(more.body.recorded).toEqual([expect.objectContaining({ dedup_key: 'storm-late' })]);
    expect(more.body.deduplicated).toHaveLength(15);
    const late = more.body.recorded[0].alert_id as string;
    expect(await getAlert(late)).toMatchObject({ status: 'triggered', covered_by: summary.id });

    // One of them ends in Alertmanager, then a person acknowledges the summary: every recorded alert still
    // open is acknowledged with it, by that person; the ended one stays resolved.
    const firstEnded = await post('tenant_id=T-AM-STORM&page=U0AMA,U0AMB', payload([...alerts.slice(1), { ...alerts[0]!, status: 'resolved' }])).expect(200);
    expect(firstEnded.body.resolved).toEqual([expect.objectContaining({ dedup_key: 'storm-0' })]);
    await request(paging.app).put(`/alerts/${summary.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0AMB' }).expect(200);
    const byKey = new Map((await alertsOf('T-AM-STORM')).map((a) => [a.dedup_key, a]));
    expect(byKey.get(keyOf('storm-0'))).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager', acknowledged_by: null });
    const covered = [...byKey.values()].filter((a) => a.covered_by === summary.id && a.dedup_key !== keyOf('storm-0'));
    expect(covered).toHaveLength(14);
    for (const alert of covered) expect(alert).toMatchObject({ status: 'acknowledged', acknowledged_by: 'slack:U0AMB' });
    const lateEvents = (await request(paging.app).get(`/alerts/${late}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as { kind: string; actor: string; note: string }[];
    expect(lateEvents.at(-1)).toMatchObject({ kind: 'acknowledged', actor: 'slack:U0AMB', note: `with summary #${summary.number}` });

    // A new alert of the group while the summary is taken: recorded under it, and taken by the same person.
    const later = { labels: { alertname: 'Later' }, fingerprint: 'storm-later' };
    const afterAck = await post('tenant_id=T-AM-STORM&page=U0AMA,U0AMB', payload([...alerts.slice(1), later])).expect(200);
    expect(afterAck.body.recorded).toEqual([expect.objectContaining({ dedup_key: 'storm-later', status: 'acknowledged' })]);
    expect(await getAlert(afterAck.body.recorded[0].alert_id)).toMatchObject({ status: 'acknowledged', acknowledged_by: 'slack:U0AMB', covered_by: summary.id });

    // The group resolved: every alert and the summary end, as alertmanager.
    const ended = [...alerts, { labels: { alertname: 'Late' }, fingerprint: 'storm-late' }, later].map((a) => ({ ...a, status: 'resolved' as const }));
    const done = await post('tenant_id=T-AM-STORM&page=U0AMA,U0AMB', payload(ended)).expect(200);
    // Every one of them but storm-0, which had ended already, and the summary.
    expect(done.body.resolved).toHaveLength(16);
    expect(done.body.not_open).toEqual(['storm-0']);
    expect(await getAlert(summary.id)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager' });
    expect((await alertsOf('T-AM-STORM')).every((a) => a.status === 'resolved')).toBe(true);
  });
});

describe('a storm taken and ended at once', () => {
  it('lets a person acknowledge the summary while Alertmanager resolves its alerts: both answer 200, every alert ends resolved', async () => {
    for (let round = 0; round < 3; round++) {
      const tenant = `T-AM-RACE-${round}`;
      const alerts = Array.from({ length: 400 }, (_, i) => ({ labels: { alertname: 'Crash', pod: `p-${i}` }, fingerprint: `race-${i}` }));
      const raised = await post(`tenant_id=${tenant}&page=U0AMA`, payload(alerts)).expect(200);
      const summary = raised.body.summaries[0].alert_id as string;
      const [ack, ended] = await Promise.all([
        request(paging.app).put(`/alerts/${summary}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0AMA' }),
        post(`tenant_id=${tenant}&page=U0AMA`, payload(alerts.map((a) => ({ ...a, status: 'resolved' as const })))),
      ]);
      expect([ack.status, ended.status]).toEqual([200, 200]);
      expect(await paging.db.one("SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND status <> 'resolved'", [tenant])).toEqual({ n: 0 });
    }
  }, 60_000);
});

describe('alerts Alertmanager left out (max_alerts)', () => {
  it('says how many in the answer, the summary and the log, and summarises the group however few were sent', async () => {
    const sent = [
      { labels: { alertname: 'PodCrash', pod: 'a' }, fingerprint: 'trunc-1' },
      { labels: { alertname: 'PodCrash', pod: 'b' }, fingerprint: 'trunc-2' },
    ];
    const res = await post('tenant_id=T-AM-TRUNC&page=U0AMA', payload(sent, { truncatedAlerts: 248 })).expect(200);
    expect(res.body).toMatchObject({ truncated_alerts: 248, raised: [] });
    expect(res.body.recorded).toHaveLength(2);
    expect(res.body.summaries).toHaveLength(1);
    expect((await getAlert(res.body.summaries[0].alert_id)).message).toBe('2 alerts firing for checkout (and 248 more Alertmanager left out: max_alerts): PodCrash (2)');
    const warned = paging
      .logLines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.message === 'alertmanager left alerts out of a webhook');
    expect(warned).toEqual([expect.objectContaining({ level: 'warn', tenantId: 'T-AM-TRUNC', receiver: 'team-payments', truncatedAlerts: 248 })]);
    // A webhook without the field, or with 0, left nothing out.
    expect((await post('tenant_id=T-AM-TRUNC&page=U0AMA', { ...payload(sent), truncatedAlerts: undefined }).expect(200)).body.truncated_alerts).toBe(0);
  });
});

describe('rate limits', () => {
  it('counts each page raised against the tenant (deduplicated and recorded alerts cost nothing); a refused webhook stores nothing', async () => {
    const limited = buildApp(paging.db, paging.logger, paging.config, { perTenant: 3, globalPerMinute: 1000, windowMs: 60_000 }).app;
    const send = (alerts: AmAlert[], groupKey = '{}:{alertname="Test"}') => post('tenant_id=T-AM-LIMIT&page=U0AMA', payload(alerts, { groupKey }), undefined, limited);
    await send([{ labels: { alertname: 'A' }, fingerprint: 'lim-1' }, { labels: { alertname: 'B' }, fingerprint: 'lim-2' }]).expect(200);
    // Two more pages would make four: refused whole, with Retry-After, and as a 503: Alertmanager drops a 4xx
    // for good, and these alerts must reach someone once the window has passed.
    const refused = await send([{ labels: { alertname: 'C' }, fingerprint: 'lim-3' }, { labels: { alertname: 'D' }, fingerprint: 'lim-4' }]).expect(503);
    expect(refused.body).toEqual({ error: 'rate_limited', detail: expect.stringMatching(/^tenant T-AM-LIMIT has raised 3 alerts.*; Alertmanager retries this webhook$/) });
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect((await alertsOf('T-AM-LIMIT')).map((a) => a.dedup_key).sort()).toEqual([keyOf('lim-1'), keyOf('lim-2')].sort());
    // The repeats are free; a storm is one page: the third.
    await send([{ labels: { alertname: 'A' }, fingerprint: 'lim-1' }]).expect(200);
    const summary = await send(Array.from({ length: 5 }, (_, i) => ({ labels: { alertname: 'S' }, fingerprint: `lim-s${i}` }))).expect(200);
    expect(summary.body.summaries).toHaveLength(1);
    // Another group's alert would be a fourth page.
    await send([{ labels: { alertname: 'E' }, fingerprint: 'lim-5' }], '{}:{alertname="E"}').expect(503);
  });
});

describe('what Alertmanager would lose: never a 4xx for the size of a group or for a limit', () => {
  const storm = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ ...realisticAlertmanagerAlert(i), fingerprint: `${prefix}-${i}` }));

  it('takes a group of 1,500 realistic alerts (about 1.5 MB: over the 256 kB of the other routes, over the old 1,000 cap)', async () => {
    const body = payload(storm(1500, 'big'));
    expect(JSON.stringify(body).length).toBeGreaterThan(1_200_000);
    const res = await post('tenant_id=T-AM-BIG&page=U0AMA', body).expect(200);
    expect(res.body.summaries).toHaveLength(1);
    expect(res.body.recorded).toHaveLength(1500);
    expect(await paging.db.one('SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1', ['T-AM-BIG'])).toEqual({ n: 1501 });
    // Written in bounded transactions: neither one per alert nor one for the whole storm. An alert's
    // created_at is its transaction's start, so the distinct values count the transactions.
    const transactions = (column: string) =>
      paging.db.one<{ n: number }>(`SELECT count(DISTINCT ${column})::int AS n FROM alerts WHERE tenant_id = $1 AND covered_by IS NOT NULL`, ['T-AM-BIG']);
    expect((await transactions('created_at')).n).toBe(Math.ceil(1500 / ALERT_CHUNK_SIZE));

    // The group's resolution: every alert and the summary, in bounded transactions too.
    const ended = payload(body.alerts.map((a) => ({ ...a, status: 'resolved' as const })));
    const done = await post('tenant_id=T-AM-BIG&page=U0AMA', ended).expect(200);
    expect(done.body.resolved).toHaveLength(1501);
    expect(done.body.not_open).toEqual([]);
    expect(await getAlert(res.body.summaries[0].alert_id)).toMatchObject({ status: 'resolved', resolved_by: 'alertmanager' });
    expect(await paging.db.one("SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND status <> 'resolved'", ['T-AM-BIG'])).toEqual({ n: 0 });
    expect((await transactions('resolved_at')).n).toBe(Math.ceil(1500 / ALERT_CHUNK_SIZE));
  }, 60_000);

  it('keeps the 256 kB limit on every other route', async () => {
    const res = await request(paging.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ tenant_id: 'T-AM-BIG', message: 'x'.repeat(300_000), targets: [{ slack_user_id: 'U0AMA' }] });
    expect(res.status).toBe(413);
  });

  it('answers 503 with Retry-After to a webhook over 16 MB, saying to set max_alerts; nothing stored', async () => {
    const huge = payload([{ labels: { alertname: 'Huge' }, annotations: { description: 'x'.repeat(16 * 1024 * 1024) }, fingerprint: 'huge-1' }]);
    const res = await post('tenant_id=T-AM-HUGE&page=U0AMA', huge).expect(503);
    expect(res.body).toEqual({ error: 'payload_too_large', detail: expect.stringMatching(/larger than 16 MB.*max_alerts/) });
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(await alertsOf('T-AM-HUGE')).toEqual([]);
  });

  it('answers 503 with Retry-After while PostgreSQL is unreachable', async () => {
    const down = await startUnreachableBackend();
    try {
      const res = await post('tenant_id=T-AM-DOWN&page=U0AMA', payload([{ labels: { alertname: 'Down' }, fingerprint: 'down-1' }]), undefined, down.app).expect(503);
      expect(res.body.error).toBe('database_unavailable');
      expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    } finally {
      await down.close();
    }
  });

  it('still answers 400 to malformed JSON: a retry would not help', async () => {
    const res = await request(paging.app).post('/integrations/alertmanager?tenant_id=T-AM-JSON&page=U0AMA').set('authorization', `Bearer ${SERVICE_KEY}`).type('json').send('{"version": "4", ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_json');
  });
});
