import request from 'supertest';
import { startFakeTwilio, type FakeSlackCall, type FakeTwilio } from '@klaxon/testing';
import { listDeliveries } from '../../src/notify/delivery.repository';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { TWILIO } from './paging-harness';

// `source` is the caller's free text; `origin` is Klaxon's, from the route. Only origin `slack` is posted as
// Slack markup. The jobs are run here one by one (no worker), so each post is awaited, not raced.

const INJECTION = '<!channel> <https://evil.example/ack|Acknowledge here>';
const ESCAPED = '&lt;!channel&gt; &lt;https://evil.example/ack|Acknowledge here&gt;';

let backend: BackendHarness;
let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
  backend = await startBackendHarness({ twilio: { ...TWILIO, apiBaseUrl: twilio.url }, notify: { maxAttempts: 1 }, tenantSlackChannels: [{ tenantId: 'acme', channelId: 'C0GRANTED' }] });
});
afterAll(async () => {
  await twilio.close();
  await backend.close();
});

const post = (path: string, body: object, key = SERVICE_KEY) => request(backend.app).post(path).set('x-service-key', key).send(body);
const publish = (alertId: string) => backend.backend.messages.publish(alertId);
const channelPosts = (channel: string): FakeSlackCall[] => backend.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);

describe('source and origin', () => {
  it('takes a free-text source, and records origin api for POST /alert, both shown by GET', async () => {
    const created = await post('/alert', { tenant_id: 'T-SRC', message: 'db slow', source: 'billing-api', targets: [{ phone: '+14155550141' }] }).expect(201);
    expect(created.body).toMatchObject({ source: 'billing-api', origin: 'api' });
    const read = await request(backend.app).get(`/alerts/${created.body.id}`).set('x-service-key', SERVICE_KEY).expect(200);
    expect(read.body).toMatchObject({ source: 'billing-api', origin: 'api' });
    expect(await backend.db.one('SELECT source, origin FROM alerts WHERE id = $1', [created.body.id])).toEqual({ source: 'billing-api', origin: 'api' });
    const events = await request(backend.app).get(`/alerts/${created.body.id}/events`).set('x-service-key', SERVICE_KEY).expect(200);
    expect(events.body.events[0]).toMatchObject({ kind: 'created', actor: 'api', data: { source: 'billing-api', origin: 'api' } });
  });

  it('answers null for a source not named, and 422 naming the field for an empty or multi-line one', async () => {
    expect((await post('/alert', { tenant_id: 'T-SRC', message: 'm', targets: [{ phone: '+14155550141' }] }).expect(201)).body).toMatchObject({ source: null, origin: 'api' });
    for (const source of ['', 'a\nb', 'x'.repeat(256)]) {
      const res = await post('/alert', { tenant_id: 'T-SRC', message: 'm', source, targets: [{ phone: '+14155550141' }] }).expect(422);
      expect(res.body).toMatchObject({ error: 'invalid_field', detail: expect.stringContaining('source') });
    }
  });

  it('counts raised alerts by origin, never by the free-text source', async () => {
    await post('/alert', { tenant_id: 'T-SRC', message: 'm', severity: 'low', source: 'metrics-probe-9f3', targets: [{ phone: '+14155550141' }] }).expect(201);
    const metrics = (await request(backend.app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/klaxon_backend_alerts_raised_total\{severity="low",origin="api",role="all"\} [1-9]/);
    expect(metrics).not.toContain('metrics-probe-9f3');
  });

  it('records origin slack only on POST /slack/alert, which a key bound to a tenant may not use', async () => {
    const body = { tenant_id: 'acme', message: 'm', targets: [{ slack_user_id: 'U0001' }], slack: { channel_id: 'C0ACME', user_id: 'U0002' } };
    const refused = await post('/slack/alert', body, ACME_KEY).expect(401);
    expect(refused.body).toEqual({ error: 'unauthorized', detail: expect.stringContaining('/slack/alert') });
    expect((await post('/slack/alert', body).expect(201)).body).toMatchObject({ origin: 'slack', source: null });
    // A body claiming to be Slack's on the public route stays `api`; `origin` itself is not a field a caller sets.
    expect((await post('/alert', { ...body, source: 'slack' }, ACME_KEY).expect(201)).body).toMatchObject({ origin: 'api', source: 'slack' });
    expect((await post('/alert', { ...body, origin: 'slack' }).expect(422)).body.detail).toMatch(/origin/);
    const missing = await post('/slack/alert', { ...body, slack: undefined }).expect(422);
    expect(missing.body.detail).toMatch(/slack/);
  });
});

describe('text from outside Slack', () => {
  it('arrives escaped in chat.postMessage: the notification text, the blocks and the thread reply about a failed page', async () => {
    const alert = (
      await post('/alert', {
        tenant_id: 'T-INJECT',
        message: INJECTION,
        severity: 'high',
        source: 'slack',
        targets: [{ phone: '+14155550142' }],
        slack: { channel_id: 'C0INJECT', user_id: 'U0CALLER' },
      }).expect(201)
    ).body;
    expect(alert.origin).toBe('api');

    await publish(alert.id);
    const [message] = channelPosts('C0INJECT');
    expect(message!.args.text).toBe(`🟠 #${alert.number} HIGH: ${ESCAPED} (triggered)`);
    expect(JSON.stringify(message!.args.blocks)).toContain(JSON.stringify(ESCAPED).slice(1, -1));
    expect(JSON.stringify(message!.args)).not.toContain('<!channel>');

    // A provider error that quotes what it was given reaches the alert's thread escaped too.
    twilio.respondWith(() => ({ type: 'error', status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${INJECTION}` }));
    const [whatsapp] = await listDeliveries(backend.db, alert.id);
    await backend.backend.sender.deliver(whatsapp!.id);
    const replies = channelPosts('C0INJECT').filter((c) => c.args.thread_ts !== undefined);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.text).toContain(ESCAPED);
    expect(replies[0]!.args.text).not.toContain('<!channel>');
  });

  it('keeps a page typed in Slack (POST /slack/alert) as Slack markup', async () => {
    const typed = 'ask <@U0BOB> &amp; <!channel>';
    const alert = (await post('/slack/alert', { tenant_id: 'T-TYPED', message: typed, targets: [{ slack_user_id: 'U0BOB' }], slack: { channel_id: 'C0TYPED', user_id: 'U0CALLER' } }).expect(201)).body;
    await publish(alert.id);
    const [message] = channelPosts('C0TYPED');
    expect(message!.args.text).toBe(`🟠 #${alert.number} HIGH: ${typed} (triggered)`);
    expect(JSON.stringify(message!.args.blocks)).toContain(typed);
  });
});

describe('slack.channel_id named by a key bound to a tenant', () => {
  // The rule: such a key may have its alerts posted to a channel the tenant's own people raised an alert in from
  // Slack (Slack's signed request tied that channel to the tenant), or to one the operator granted it; the
  // gateway's unbound key may name any channel.
  const raise = (channel: string, key = ACME_KEY, tenant = 'acme') =>
    post('/alert', { tenant_id: tenant, message: 'm', severity: 'low', targets: [{ phone: '+14155550144' }], slack: { channel_id: channel, user_id: 'U0API' } }, key);
  const fromSlack = (tenant: string, channel: string) =>
    post('/slack/alert', { tenant_id: tenant, message: 'm', severity: 'low', targets: [{ slack_user_id: 'U0001' }], slack: { channel_id: channel, user_id: 'U0002' } }).expect(201);
  const alertsIn = async (channel: string) => Number((await backend.db.one('SELECT count(*) FROM alerts WHERE slack_channel_id = $1', [channel])).count);

  it('refuses a channel the tenant never used from Slack with 422 naming slack.channel_id, and raises nothing', async () => {
    const res = await raise('C0NEVERUSED').expect(422);
    expect(res.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^slack\.channel_id: /) });
    expect(await alertsIn('C0NEVERUSED')).toBe(0);
  });

  it('refuses a channel only another tenant used from Slack', async () => {
    await fromSlack('T-ELSEWHERE', 'C0ELSEWHERE');
    expect((await raise('C0ELSEWHERE').expect(422)).body.detail).toMatch(/^slack\.channel_id: /);
    expect(await alertsIn('C0ELSEWHERE')).toBe(1);
  });

  it('takes a channel where the tenant’s people raised an alert from Slack', async () => {
    await fromSlack('acme', 'C0ACMEOPS');
    const alert = (await raise('C0ACMEOPS').expect(201)).body;
    expect(alert.slack).toEqual({ channel_id: 'C0ACMEOPS', user_id: 'U0API' });
  });

  it('takes a channel the operator granted the tenant (TENANT_SLACK_CHANNELS), for that tenant only', async () => {
    expect((await raise('C0GRANTED').expect(201)).body.slack).toMatchObject({ channel_id: 'C0GRANTED' });
    const other = { tenant_id: 'acme', message: 'm', targets: [{ phone: '+14155550144' }], slack: { channel_id: 'C0GRANTEDX', user_id: 'U0API' } };
    expect((await post('/alert', other, ACME_KEY).expect(422)).body.detail).toMatch(/TENANT_SLACK_CHANNELS/);
  });

  it('lets the unbound key name any channel', async () => {
    expect((await raise('C0ANYWHERE', SERVICE_KEY, 'T-ANY').expect(201)).body.slack).toMatchObject({ channel_id: 'C0ANYWHERE' });
  });
});

describe('PUT /alerts/:ref/acknowledge and /resolve actors', () => {
  it.each(['<!channel>', 'a&b', 'x'.repeat(101), 'line\nbreak', ''])('refuses actor %j with 422 naming the field', async (actor) => {
    const alert = (await post('/alert', { tenant_id: 'T-ACTOR', message: 'm', targets: [{ phone: '+14155550143' }] }).expect(201)).body;
    const res = await request(backend.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor }).expect(422);
    expect(res.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^actor/) });
  });

  it.each(['slack:U0BOB', 'deploy-bot', 'Jörg Müller', 'ops@example.com', 'svc.billing_api'])('accepts actor %j', async (actor) => {
    const alert = (await post('/alert', { tenant_id: 'T-ACTOR', message: 'm', targets: [{ phone: '+14155550143' }] }).expect(201)).body;
    const res = await request(backend.app).put(`/alerts/${alert.id}/resolve`).set('x-service-key', SERVICE_KEY).send({ actor }).expect(200);
    expect(res.body.resolved_by).toBe(actor);
  });
});
