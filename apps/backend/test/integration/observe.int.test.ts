import request from 'supertest';
import { parsePrometheusText } from '@klaxon/testing';
import { addJob } from '../../src/jobs/job-queue';
import { SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { startPagingHarness, type PagingHarness } from './paging-harness';

const scrape = async (app: BackendHarness['app']) => parsePrometheusText((await request(app).get('/metrics').expect(200)).text);

describe('backend metrics after a paging flow', () => {
  let paging: PagingHarness;
  beforeAll(async () => {
    paging = await startPagingHarness();
  });
  afterAll(() => paging.close());

  it('counts raises, accepted pages by channel, the time to the first page, and acknowledgements', async () => {
    const alert = await paging.raise({ tenant_id: 'T-OBS', message: 'checkout is down', severity: 'critical', targets: [{ phone: '+14155550111' }] });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 2 && ds.every((d) => d.status === 'sent'));
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0ACK' }).expect(200);

    const metrics = await scrape(paging.app);
    expect(metrics.value('klaxon_backend_alerts_raised_total', { severity: 'critical', origin: 'api' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'sent' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'voice', outcome: 'sent' })).toBe(1);
    // Two pages accepted, one first page: the histogram counts alerts, not pages.
    expect(metrics.value('klaxon_backend_first_page_seconds_count')).toBe(1);
    expect(metrics.value('klaxon_backend_first_page_seconds_sum')).toBeGreaterThan(0);
    expect(metrics.value('klaxon_backend_alert_transitions_total', { action: 'acknowledge' })).toBe(1);
    expect(metrics.value('klaxon_backend_http_requests_total', { method: 'POST', route: '/alert', status_class: '2xx' })).toBe(1);
    expect(metrics.value('klaxon_backend_database_up')).toBe(1);
    expect(metrics.value('klaxon_backend_job_oldest_due_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(metrics.value('klaxon_backend_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(metrics.families).toContain('klaxon_backend_process_cpu_seconds_total');
  });

  it('counts a Twilio authentication failure (20003) as a provider alarm, a failure and a fallback', async () => {
    paging.twilio.failNext(1, { status: 401, code: 20003, message: 'Authenticate' });
    const alert = await paging.raise({ tenant_id: 'T-OBS', message: 'disk', severity: 'high', targets: [{ phone: '+14155550112' }] });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.status === 'failed') && ds.some((d) => d.status === 'sent'));

    const metrics = await scrape(paging.app);
    expect(metrics.value('klaxon_backend_provider_alarms_total', { provider: 'twilio', code: '20003' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'failed' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'fallen_back' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'sms', outcome: 'sent' })).toBe(1);
    expect(metrics.value('klaxon_backend_first_page_seconds_count')).toBe(2);
  });

  it('labels carry no ids, numbers or tenants', async () => {
    const text = (await request(paging.app).get('/metrics').expect(200)).text;
    expect(text).not.toMatch(/T-OBS|4155550|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});

describe('backend metrics of held and cancelled pages', () => {
  let paging: PagingHarness;
  beforeAll(async () => {
    // One page per number per minute: the second alert's page is held, and cancelled when it is acknowledged.
    paging = await startPagingHarness({ recipientLimit: { perRecipient: 1, windowMs: 60_000 } });
  });
  afterAll(() => paging.close());

  it('counts a page held over the recipient limit, then cancelled because its alert was acknowledged', async () => {
    const first = await paging.raise({ tenant_id: 'T-HOLD', message: 'first', severity: 'high', targets: [{ phone: '+14155550114' }] });
    await paging.eventually(() => paging.deliveries(first.id), (ds) => ds[0]?.status === 'sent');
    const second = await paging.raise({ tenant_id: 'T-HOLD', message: 'second', severity: 'high', targets: [{ phone: '+14155550114' }] });
    await paging.eventually(() => paging.deliveries(second.id), (ds) => ds[0]?.status === 'held');
    expect((await scrape(paging.app)).value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'held' })).toBe(1);

    await request(paging.app).put(`/alerts/${second.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0ACK' }).expect(200);
    await paging.eventually(() => paging.deliveries(second.id), (ds) => ds[0]?.status === 'cancelled');
    const metrics = await scrape(paging.app);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'cancelled' })).toBe(1);
    expect(metrics.value('klaxon_backend_deliveries_total', { channel: 'whatsapp', outcome: 'sent' })).toBe(1);
    // The held page never reached anyone: only the first alert counts a first page.
    expect(metrics.value('klaxon_backend_first_page_seconds_count')).toBe(1);
  });
});

describe('backend metrics of the paging limits and the job queue', () => {
  let backend: BackendHarness;
  beforeAll(async () => {
    backend = await startBackendHarness({ pagingLimits: { perTenant: 1 } });
  });
  afterAll(() => backend.close());

  it('counts refusals by limit', async () => {
    const raise = () => request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ tenant_id: 'T-LIMIT', message: 'm', targets: [{ phone: '+14155550113' }] });
    await raise().expect(201);
    await raise().expect(429);
    const metrics = await scrape(backend.app);
    expect(metrics.value('klaxon_backend_rate_limited_total', { limit: 'per_tenant' })).toBe(1);
    expect(metrics.value('klaxon_backend_rate_limited_total')).toBe(1);
  });

  it('reports the queue depth and how long the oldest due job has waited (no worker runs here)', async () => {
    const before = (await scrape(backend.app)).value('klaxon_backend_job_queue_depth');
    await backend.db.tx((t) => addJob(t, 'slack-message', { alertId: '00000000-0000-0000-0000-000000000000' }, { runAt: new Date(Date.now() - 90_000), severity: 'high' }));
    const metrics = await scrape(backend.app);
    expect(metrics.value('klaxon_backend_job_queue_depth')).toBe(before + 1);
    expect(metrics.value('klaxon_backend_job_oldest_due_age_seconds')).toBeGreaterThanOrEqual(89);
  });
});
