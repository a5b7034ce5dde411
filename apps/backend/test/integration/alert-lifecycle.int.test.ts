import request from 'supertest';
import type { AlertDto } from '@klaxon/contracts';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

let backend: BackendHarness;
beforeAll(async () => {
  backend = await startBackendHarness();
});
afterAll(() => backend.close());

const as = (key: string) => ({
  post: (path: string) => request(backend.app).post(path).set('x-service-key', key),
  get: (path: string) => request(backend.app).get(path).set('x-service-key', key),
  put: (path: string) => request(backend.app).put(path).set('x-service-key', key),
});
const internal = as(SERVICE_KEY);
const acme = as(ACME_KEY);

async function raise(tenantId: string, extra: Record<string, unknown> = {}): Promise<AlertDto> {
  const res = await internal.post('/alert').send({ tenant_id: tenantId, message: 'checkout is down', targets: [{ slack_user_id: 'U0001' }], ...extra }).expect(201);
  return res.body as AlertDto;
}

describe('transitions', () => {
  it('acknowledges, then resolves, recording who, when and the notes in the timeline', async () => {
    const alert = await raise('T-LIFE');
    const acked = await internal.put(`/alerts/${alert.id}/acknowledge`).send({ actor: 'slack:U0002', note: 'looking' }).expect(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'slack:U0002', resolved_at: null });
    expect(Date.parse(acked.body.acknowledged_at)).toBeGreaterThanOrEqual(Date.parse(alert.created_at));
    const resolved = await internal.put(`/alerts/${alert.id}/resolve`).send({ actor: 'slack:U0003', note: 'disk cleaned' }).expect(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', acknowledged_by: 'slack:U0002', resolved_by: 'slack:U0003' });

    const timeline = await internal.get(`/alerts/${alert.id}/events`).expect(200);
    expect(timeline.body.alert_id).toBe(alert.id);
    expect(timeline.body.events.map((e: { kind: string; actor: string; note: string | null }) => [e.kind, e.actor, e.note])).toEqual([
      ['created', 'api', null],
      ['acknowledged', 'slack:U0002', 'looking'],
      ['resolved', 'slack:U0003', 'disk cleaned'],
    ]);
  });

  it('resolves straight from triggered, without an acknowledgement', async () => {
    const alert = await raise('T-LIFE');
    const res = await internal.put(`/alerts/${alert.id}/resolve`).send({}).expect(200);
    expect(res.body).toMatchObject({ status: 'resolved', acknowledged_at: null, acknowledged_by: null, resolved_by: 'api' });
  });

  it.each([
    ['acknowledge', 'acknowledged', ['acknowledge']],
    ['acknowledge', 'resolved', ['resolve']],
    ['resolve', 'resolved', ['resolve']],
    ['acknowledge', 'resolved', ['acknowledge', 'resolve']],
  ])('refuses to %s an alert that is %s with 409, the current state, and no change', async (action, status, path) => {
    const alert = await raise('T-LIFE');
    for (const step of path) await internal.put(`/alerts/${alert.id}/${step}`).send({ actor: 'slack:U0009' }).expect(200);
    const before = await internal.get(`/alerts/${alert.id}`).expect(200);
    const res = await internal.put(`/alerts/${alert.id}/${action}`).send({ actor: 'slack:U0004' }).expect(409);
    const at = status === 'resolved' ? before.body.resolved_at : before.body.acknowledged_at;
    expect(res.body).toEqual({
      error: 'invalid_transition',
      detail: expect.stringContaining(`already ${status} by slack:U0009`),
      current: { status, by: 'slack:U0009', at },
    });
    const after = await internal.get(`/alerts/${alert.id}`).expect(200);
    expect(after.body).toEqual(before.body);
    const events = await internal.get(`/alerts/${alert.id}/events`).expect(200);
    expect(events.body.events).toHaveLength(1 + path.length);
  });

  it('lets exactly one of 20 concurrent acknowledges win; the 19 others are told who won', async () => {
    const alert = await raise('T-RACE');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => internal.put(`/alerts/${alert.id}/acknowledge`).send({ actor: `slack:U${1000 + i}` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(409)]);
    const winner = answers.find((a) => a.status === 200)!.body.acknowledged_by as string;
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.current).toMatchObject({ status: 'acknowledged', by: winner });
    const { count } = await backend.db.one<{ count: number }>("SELECT count(*)::int AS count FROM alert_events WHERE alert_id = $1 AND kind = 'acknowledged'", [alert.id]);
    expect(count).toBe(1);
  });

  it('names the field when the body is wrong', async () => {
    const alert = await raise('T-LIFE');
    const res = await internal.put(`/alerts/${alert.id}/acknowledge`).send({ note: '', by: 'x' }).expect(422);
    expect(res.body.detail).toMatch(/by: unknown field/);
    expect(res.body.detail).toMatch(/note: must not be empty/);
  });
});

describe('short numbers', () => {
  it('finds, acknowledges and resolves an alert by its number within the tenant, with or without #', async () => {
    await raise('T-NUMBERS');
    const second = await raise('T-NUMBERS');
    expect(second.number).toBe(2);
    const found = await internal.get('/alerts/2').query({ tenant_id: 'T-NUMBERS' }).expect(200);
    expect(found.body.id).toBe(second.id);
    await internal.get('/alerts/%232').query({ tenant_id: 'T-NUMBERS' }).expect(200);
    await internal.put('/alerts/2/acknowledge').query({ tenant_id: 'T-NUMBERS' }).send({}).expect(200);
    const events = await internal.get('/alerts/2/events').query({ tenant_id: 'T-NUMBERS' }).expect(200);
    expect(events.body.alert_id).toBe(second.id);
  });

  it('asks for tenant_id when an unbound key names an alert by number', async () => {
    const res = await internal.get('/alerts/1').expect(422);
    expect(res.body.detail).toMatch(/^tenant_id: required when the alert is named by its number/);
  });

  it('uses the tenant of a bound key when the number comes alone', async () => {
    const own = await raise('acme');
    const res = await acme.get(`/alerts/${own.number}`).expect(200);
    expect(res.body.id).toBe(own.id);
  });

  it('answers 404 for a number the tenant does not have, and for a ref that is neither UUID nor number', async () => {
    expect((await internal.get('/alerts/999').query({ tenant_id: 'T-NUMBERS' }).expect(404)).body.detail).toMatch(/no alert with number 999/);
    expect((await internal.get('/alerts/abc').expect(404)).body.detail).toMatch(/UUID or its number/);
  });
});

describe('dedup_key', () => {
  it('answers 200 with the open alert of the same key, and opens a new one once it is resolved', async () => {
    const first = await internal.post('/alert').send({ tenant_id: 'T-DEDUP', message: 'disk', targets: [{ slack_user_id: 'U0001' }], dedup_key: 'db-1/disk' }).expect(201);
    const again = await internal.post('/alert').send({ tenant_id: 'T-DEDUP', message: 'disk again', targets: [{ slack_user_id: 'U0001' }], dedup_key: 'db-1/disk' }).expect(200);
    expect(again.body.id).toBe(first.body.id);
    await internal.put(`/alerts/${first.body.id}/resolve`).send({}).expect(200);
    const fresh = await internal.post('/alert').send({ tenant_id: 'T-DEDUP', message: 'disk', targets: [{ slack_user_id: 'U0001' }], dedup_key: 'db-1/disk' }).expect(201);
    expect(fresh.body.id).not.toBe(first.body.id);
    expect(fresh.body.number).toBe(first.body.number + 1);
  });

  it('collapses 50 concurrent raises with one key into one alert, without burning numbers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        internal.post('/alert').send({ tenant_id: 'T-DEDUP-RACE', message: 'cpu', targets: [{ slack_user_id: 'U0001' }], dedup_key: 'cpu' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(49).fill(200), 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const { count } = await backend.db.one<{ count: number }>("SELECT count(*)::int AS count FROM alerts WHERE tenant_id = 'T-DEDUP-RACE'");
    expect(count).toBe(1);
    const next = await raise('T-DEDUP-RACE');
    expect(next.number).toBe(2);
  });
});

describe('GET /alerts', () => {
  it('filters by status, severity and since', async () => {
    const low = await raise('T-FILTER', { severity: 'low' });
    const critical = await raise('T-FILTER', { severity: 'critical' });
    await internal.put(`/alerts/${critical.id}/acknowledge`).send({}).expect(200);
    const ids = async (query: Record<string, string>) =>
      ((await internal.get('/alerts').query({ tenant_id: 'T-FILTER', ...query }).expect(200)).body.alerts as AlertDto[]).map((a) => a.id);
    expect(await ids({ status: 'acknowledged' })).toEqual([critical.id]);
    expect(await ids({ status: 'triggered' })).toEqual([low.id]);
    expect(await ids({ severity: 'low' })).toEqual([low.id]);
    expect(await ids({ since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(await ids({ since: '2000-01-01T00:00:00Z' })).toEqual([critical.id, low.id]);
  });

  it.each([
    [{ status: 'open' }, /status/],
    [{ limit: '0' }, /limit: from 1 to 200/],
    [{ limit: '201' }, /limit: from 1 to 200/],
    [{ since: 'yesterday' }, /since: an ISO 8601 timestamp/],
    [{ cursor: 'bogus' }, /cursor: not a cursor this API returned/],
    [{ stauts: 'triggered' }, /stauts: unknown field/],
  ])('answers 422 for %o', async (query, detail) => {
    const res = await internal.get('/alerts').query({ tenant_id: 'T-FILTER', ...query }).expect(422);
    expect(res.body.detail).toMatch(detail);
  });

  it('pages newest first with a cursor, stable while alerts keep arriving', async () => {
    for (let i = 1; i <= 7; i++) await raise('T-PAGE', { message: `m${i}` });
    const page = async (cursor?: string) => (await internal.get('/alerts').query({ tenant_id: 'T-PAGE', limit: '3', ...(cursor ? { cursor } : {}) }).expect(200)).body;
    const first = await page();
    expect(first.alerts.map((a: AlertDto) => a.number)).toEqual([7, 6, 5]);
    await raise('T-PAGE');
    await raise('T-PAGE');
    const second = await page(first.next_cursor);
    expect(second.alerts.map((a: AlertDto) => a.number)).toEqual([4, 3, 2]);
    const third = await page(second.next_cursor);
    expect(third.alerts.map((a: AlertDto) => a.number)).toEqual([1]);
    expect(third.next_cursor).toBeNull();
  });

  it('defaults to 50 per page', async () => {
    for (let i = 0; i < 51; i++) await raise('T-DEFAULT-PAGE');
    const res = await internal.get('/alerts').query({ tenant_id: 'T-DEFAULT-PAGE' }).expect(200);
    expect(res.body.alerts).toHaveLength(50);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });
});

describe('GET /stats/:tenant_id', () => {
  it('counts by status and severity and reports mean times to acknowledge and resolve', async () => {
    const [a, b, c] = [await raise('T-STATS', { severity: 'critical' }), await raise('T-STATS', { severity: 'high' }), await raise('T-STATS', { severity: 'high' })];
    await raise('T-STATS', { severity: 'low' });
    await internal.put(`/alerts/${a.id}/acknowledge`).send({}).expect(200);
    await internal.put(`/alerts/${a.id}/resolve`).send({}).expect(200);
    await internal.put(`/alerts/${b.id}/acknowledge`).send({}).expect(200);
    await internal.put(`/alerts/${c.id}/resolve`).send({}).expect(200);
    // Pin the clock readings so the means can be worked out by hand.
    const t0 = '2026-11-23T10:00:00Z';
    const at = (seconds: number) => new Date(Date.parse(t0) + seconds * 1000);
    await backend.db.none("UPDATE alerts SET created_at = $1 WHERE tenant_id = 'T-STATS'", [at(0)]);
    await backend.db.none('UPDATE alerts SET acknowledged_at = $2, resolved_at = $3 WHERE id = $1', [a.id, at(60), at(300)]);
    await backend.db.none('UPDATE alerts SET acknowledged_at = $2 WHERE id = $1', [b.id, at(120)]);
    await backend.db.none('UPDATE alerts SET resolved_at = $2 WHERE id = $1', [c.id, at(600)]);

    const res = await internal.get('/stats/T-STATS').expect(200);
    expect(res.body).toEqual({
      tenant_id: 'T-STATS',
      total: 4,
      triggered: 1,
      acknowledged: 1,
      resolved: 2,
      by_severity: { low: 1, medium: 0, high: 2, critical: 1 },
      mean_time_to_acknowledge_seconds: 90, // (60 + 120) / 2
      mean_time_to_resolve_seconds: 450, // (300 + 600) / 2
    });
  });

  it('answers zeros and nulls for a tenant without alerts', async () => {
    const res = await internal.get('/stats/T-EMPTY').expect(200);
    expect(res.body).toMatchObject({ total: 0, mean_time_to_acknowledge_seconds: null, mean_time_to_resolve_seconds: null });
  });
});

describe('tenant isolation', () => {
  let other: AlertDto;
  beforeAll(async () => {
    other = await raise('T-OTHER');
  });

  it.each([
    ['GET /alerts/:id', () => acme.get(`/alerts/${other.id}`)],
    ['GET /alerts/:id/events', () => acme.get(`/alerts/${other.id}/events`)],
    ['PUT /alerts/:id/acknowledge', () => acme.put(`/alerts/${other.id}/acknowledge`).send({})],
    ['PUT /alerts/:id/resolve', () => acme.put(`/alerts/${other.id}/resolve`).send({})],
    ['GET /alerts/:number?tenant_id', () => acme.get(`/alerts/${other.number}`).query({ tenant_id: 'T-OTHER' })],
    ['PUT /alerts/:number/acknowledge?tenant_id', () => acme.put(`/alerts/${other.number}/acknowledge`).query({ tenant_id: 'T-OTHER' }).send({})],
    ['GET /alerts?tenant_id', () => acme.get('/alerts').query({ tenant_id: 'T-OTHER' })],
    ['GET /stats/:tenant_id', () => acme.get('/stats/T-OTHER')],
  ])('a key bound to another tenant gets 404 from %s and changes nothing', async (_route, call) => {
    const res = await call().expect(404);
    expect(res.body.error).toBe('not_found');
    expect(JSON.stringify(res.body)).not.toContain('checkout');
    const unchanged = await internal.get(`/alerts/${other.id}`).expect(200);
    expect(unchanged.body.status).toBe('triggered');
  });

  it('answers 404 when a UUID comes with a tenant_id it does not belong to', async () => {
    await internal.get(`/alerts/${other.id}`).query({ tenant_id: 'T-ELSEWHERE' }).expect(404);
    await internal.get(`/alerts/${other.id}`).query({ tenant_id: 'T-OTHER' }).expect(200);
  });

  it('lets a bound key do everything with its own tenant', async () => {
    const own = (await acme.post('/alert').send({ tenant_id: 'acme', message: 'm', targets: [{ slack_user_id: 'U0001' }] }).expect(201)).body as AlertDto;
    expect((await acme.get('/alerts').expect(200)).body.alerts.map((a: AlertDto) => a.tenant_id)).toContain('acme');
    await acme.get(`/alerts/${own.id}/events`).expect(200);
    await acme.put(`/alerts/${own.id}/acknowledge`).send({}).expect(200);
    await acme.put(`/alerts/${own.id}/resolve`).send({}).expect(200);
    expect((await acme.get('/stats/acme').expect(200)).body.resolved).toBeGreaterThanOrEqual(1);
  });
});
