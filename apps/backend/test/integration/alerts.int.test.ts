import request from 'supertest';
import { startBackendHarness, SERVICE_KEY, ACME_KEY, type BackendHarness } from './helpers';

let backend: BackendHarness;
beforeAll(async () => {
  backend = await startBackendHarness();
});
afterAll(() => backend.close());

const validAlert = {
  tenant_id: 'T0001',
  message: 'disk full on db-1',
  severity: 'critical',
  targets: [{ slack_user_id: 'U0001' }, { phone: '+14155550101' }],
  slack: { channel_id: 'C0001', user_id: 'U0002', response_url: 'https://hooks.slack.com/commands/T0001/1/abc' },
};

describe('POST /alert', () => {
  it('stores the alert with its tenant, targets, severity and message, and answers 201', async () => {
    const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(validAlert).expect(201);
    expect(res.body).toMatchObject({
      tenant_id: 'T0001',
      number: expect.any(Number),
      status: 'triggered',
      severity: 'critical',
      message: 'disk full on db-1',
      source: null,
      origin: 'api',
      targets: [{ slack_user_id: 'U0001', phone: null }, { slack_user_id: null, phone: '+1 ******0101' }], // phones are masked on the wire
      slack: { channel_id: 'C0001', user_id: 'U0002' },
    });
    const row = await backend.db.one('SELECT tenant_id, severity, message, status FROM alerts WHERE id = $1', [res.body.id]);
    expect(row).toEqual({ tenant_id: 'T0001', severity: 'critical', message: 'disk full on db-1', status: 'triggered' });
    const events = await backend.db.many('SELECT kind, actor FROM alert_events WHERE alert_id = $1', [res.body.id]);
    expect(events).toEqual([{ kind: 'created', actor: 'slack:U0002' }]);
  });

  it('numbers alerts per tenant from 1 without gaps', async () => {
    const numbers: number[] = [];
    for (const tenant of ['T-NUM-A', 'T-NUM-A', 'T-NUM-B', 'T-NUM-A']) {
      const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ ...validAlert, tenant_id: tenant }).expect(201);
      numbers.push(res.body.number);
    }
    expect(numbers).toEqual([1, 2, 1, 3]);
  });

  it('defaults severity to high', async () => {
    const { severity: _omitted, ...withoutSeverity } = validAlert;
    const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(withoutSeverity).expect(201);
    expect(res.body.severity).toBe('high');
  });

  it('treats a repeated x-request-id as the same request: same answer, one alert', async () => {
    const send = () =>
      request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).set('x-request-id', 'slack-trigger-123').send({ ...validAlert, tenant_id: 'T-IDEM' });
    const [first, second, third] = await Promise.all([send(), send(), send()]);
    expect([first!.status, second!.status, third!.status]).toEqual([201, 201, 201]);
    expect(new Set([first!.body.id, second!.body.id, third!.body.id]).size).toBe(1);
    const { count } = await backend.db.one<{ count: number }>("SELECT count(*)::int AS count FROM alerts WHERE tenant_id = 'T-IDEM'");
    expect(count).toBe(1);
    const next = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ ...validAlert, tenant_id: 'T-IDEM' }).expect(201);
    expect(next.body.number).toBe(2);
  });

  it('stores a number that is not a phone number as an unreachable target with the reason, and pages the others', async () => {
    const body = { ...validAlert, tenant_id: 'T-BADPHONE', targets: [{ phone: '999999999999' }, { phone: '+14155550101' }] };
    const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(201);
    expect(res.body.targets).toMatchObject([
      { slack_user_id: null, status: 'unreachable', reason: expect.stringContaining('give the number with its country code') },
      { slack_user_id: null, phone: '+1 ******0101', status: 'paging' },
    ]);
  });

  it.each([
    ['missing message', { ...validAlert, message: undefined }, /message/],
    ['empty message', { ...validAlert, message: '   ' }, /message: must not be empty/],
    ['unknown severity', { ...validAlert, severity: 'urgent' }, /severity/],
    ['no targets', { ...validAlert, targets: [] }, /targets: at least one target/],
    ['malformed Slack user id', { ...validAlert, targets: [{ slack_user_id: 'jane' }] }, /targets\[0\]/],
    ['unknown field', { ...validAlert, severty: 'low' }, /severty: unknown field/],
    ['bad tenant id', { ...validAlert, tenant_id: 'has space' }, /tenant_id/],
  ])('answers 422 naming the field for %s', async (_case, body, detail) => {
    const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(422);
    expect(res.body.error).toBe('invalid_field');
    expect(res.body.detail).toMatch(detail);
  });

  it('answers 400 invalid_json for malformed JSON, without a stack trace', async () => {
    const res = await request(backend.app)
      .post('/alert')
      .set('x-service-key', SERVICE_KEY)
      .set('content-type', 'application/json')
      .send('{"tenant_id": ')
      .expect(400);
    expect(res.body).toEqual({ error: 'invalid_json', detail: 'the request body is not valid JSON' });
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ ...validAlert, message: 'x'.repeat(300_000) }).expect(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  it('refuses a key bound to another tenant with 403', async () => {
    const res = await request(backend.app).post('/alert').set('x-service-key', ACME_KEY).send(validAlert).expect(403);
    expect(res.body).toEqual({ error: 'forbidden', detail: 'tenant_id: this service key is bound to tenant acme and may only raise alerts for it' });
  });
});

describe('service key', () => {
  it.each([
    ['missing', undefined],
    ['wrong', 'not-the-right-key-0123456789'],
    ['a prefix of the right one', SERVICE_KEY.slice(0, -1)],
  ])('answers 401 when the key is %s', async (_case, key) => {
    const req = request(backend.app).post('/alert').send(validAlert);
    if (key) req.set('x-service-key', key);
    const res = await req.expect(401);
    expect(res.body.error).toBe('unauthorized');
  });

  it('does not need a key for /health', async () => {
    const res = await request(backend.app).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'healthy', db: 'up' });
  });
});

describe('GET /alerts', () => {
  it('lists a tenant\'s alerts newest first and finds one by id', async () => {
    const created = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ ...validAlert, tenant_id: 'T-LIST', message: 'second' }).expect(201);
    const list = await request(backend.app).get('/alerts').query({ tenant_id: 'T-LIST' }).set('x-service-key', SERVICE_KEY).expect(200);
    expect(list.body.alerts.map((a: { message: string }) => a.message)).toEqual(['second']);
    const one = await request(backend.app).get(`/alerts/${created.body.id}`).set('x-service-key', SERVICE_KEY).expect(200);
    expect(one.body.id).toBe(created.body.id);
  });

  it('hides another tenant\'s alert from a bound key as a 404', async () => {
    const created = await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(validAlert).expect(201);
    const res = await request(backend.app).get(`/alerts/${created.body.id}`).set('x-service-key', ACME_KEY).expect(404);
    expect(res.body.error).toBe('not_found');
  });

  it('answers 404 with a JSON body for an unknown route', async () => {
    const res = await request(backend.app).get('/nope').set('x-service-key', SERVICE_KEY).expect(404);
    expect(res.body).toEqual({ error: 'not_found', detail: 'no route GET /nope' });
  });
});
