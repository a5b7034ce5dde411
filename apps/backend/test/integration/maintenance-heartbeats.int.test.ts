import request from 'supertest';
import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { MovableClock } from '@klaxon/testing';
import type { HeartbeatDto, HeartbeatPingDto, MaintenanceDto } from '@klaxon/contracts';
import type { Backend } from '../../src/backend';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { ACME_KEY, callsAs, buildApp, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { eventually } from './paging-harness';
import { escalationJobKey } from '../../src/jobs/job-queue';
import { findJobs } from '../../src/jobs/keyed-jobs.repository';

// Maintenance windows and heartbeats through the real app on a real PostgreSQL. Time is a MovableClock: the
// check for missed heartbeats is run as the backend's timer runs it (check()) after the test moves the clock.

const TENANT = 'T0MAINT';
const START = new Date('2026-12-09T12:00:00Z');
const MINUTE = 60_000;
const clock = new MovableClock(START);

let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness({ overrides: { clock } });
  await api.put(`/escalation-policies/${TENANT}/primary`, { steps: [{ targets: [{ person: 'U0ANNA' }], escalate_after: '5m' }] }).expect(201);
  await api.put(`/services/${TENANT}/payments`, { escalation_policy: 'primary' }).expect(201);
  await api.put(`/services/${TENANT}/search`, { escalation_policy: 'primary' }).expect(201);
  // Services no window is opened for but in their own tests (windows ended early stay on record, and each test
  // starts at the same instant).
  await api.put(`/services/${TENANT}/checkout`, { escalation_policy: 'primary' }).expect(201);
  await api.put(`/services/${TENANT}/queue`, { escalation_policy: 'primary' }).expect(201);
  // The policy's one step pages Anna: she has a number, so a page to her is a delivery.
  await harness.backend.contacts.update(TENANT, 'U0ANNA', { phone: '+14155550100' });
});
afterAll(() => harness.close());
beforeEach(() => clock.set(START));

const as = (key: string) => callsAs(() => harness.app, key);
const api = as(SERVICE_KEY);
const acme = as(ACME_KEY);
const at = (ms: number) => new Date(START.getTime() + ms).toISOString();

/** The 422 detail a request gets: it must name the field. */
async function refusal(req: request.Test): Promise<string> {
  const res = await req.expect(422);
  expect(res.body.error).toBe('invalid_field');
  return res.body.detail as string;
}

/** Who the alert paged, and how many deliveries and escalation jobs it has: nothing at all for a silenced one. */
async function pagesOf(alertId: string): Promise<{ targets: string[]; deliveries: number; escalationJobs: number }> {
  const targets = await harness.db.map('SELECT slack_user_id FROM alert_targets WHERE alert_id = $1', [alertId], (row: { slack_user_id: string }) => row.slack_user_id);
  const deliveries = (await harness.db.one<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE alert_id = $1', [alertId])).n;
  return { targets, deliveries, escalationJobs: (await findJobs(harness.db, [escalationJobKey(alertId)])).length };
}

async function alertOf(id: string): Promise<{ status: string; severity: string; message: string; dedup_key: string; resolved_by: string | null }> {
  return harness.db.one('SELECT status, severity, message, dedup_key, resolved_by FROM alerts WHERE id = $1', [id]);
}

describe('POST, GET, DELETE /services/:tenant_id/:name/maintenance', () => {
  it('opens a window from now (201), lists it as active, and ends it early (200)', async () => {
    const res = await api.post(`/services/${TENANT}/payments/maintenance`, { end: at(120 * MINUTE), reason: 'deploying 4.2' }).expect(201);
    const opened = res.body as MaintenanceDto;
    expect(opened).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenant_id: TENANT,
      service: 'payments',
      start: START.toISOString(),
      end: at(120 * MINUTE),
      planned_end: at(120 * MINUTE),
      reason: 'deploying 4.2',
      created_by: 'api',
      ended_early_at: null,
      active: true,
      created_at: START.toISOString(),
    });
    expect(await harness.backend.maintenance.inMaintenance(TENANT, 'payments', clock.now())).toMatchObject({ id: opened.id });
    expect(await harness.backend.maintenance.inMaintenance(TENANT, 'search', clock.now())).toBeNull();

    clock.advance(30 * MINUTE);
    expect((await api.get(`/services/${TENANT}/payments/maintenance`).expect(200)).body.maintenance).toEqual([{ ...opened, active: true }]);
    const ended = (await api.delete(`/services/${TENANT}/payments/maintenance/${opened.id}`).expect(200)).body as MaintenanceDto;
    expect(ended).toMatchObject({ end: at(30 * MINUTE), planned_end: at(120 * MINUTE), ended_early_at: at(30 * MINUTE), active: false });
    expect(await harness.backend.maintenance.inMaintenance(TENANT, 'payments', clock.now())).toBeNull();
    expect((await api.get(`/services/${TENANT}/payments/maintenance`).expect(200)).body.maintenance).toEqual([]);
    // Ending it again changes nothing.
    clock.advance(MINUTE);
    expect((await api.delete(`/services/${TENANT}/payments/maintenance/${opened.id}`).expect(200)).body).toEqual(ended);
  });

  it('lists upcoming windows after the current one, holds a service only inside [start, end), and lists every service’s', async () => {
    const later = (await api.post(`/services/${TENANT}/search/maintenance`, { start: at(60 * MINUTE), end: at(90 * MINUTE), created_by: 'U0BEN' }).expect(201)).body as MaintenanceDto;
    const now = (await api.post(`/services/${TENANT}/search/maintenance`, { end: at(10 * MINUTE) }).expect(201)).body as MaintenanceDto;
    expect(later).toMatchObject({ active: false, created_by: 'U0BEN', reason: null });
    const listed = (await api.get(`/services/${TENANT}/search/maintenance`).expect(200)).body.maintenance as MaintenanceDto[];
    expect(listed.map((window) => [window.id, window.active])).toEqual([
      [now.id, true],
      [later.id, false],
    ]);
    const maintenance = harness.backend.maintenance;
    expect(await maintenance.inMaintenance(TENANT, 'search', new Date(at(10 * MINUTE)))).toBeNull(); // the end is not in it
    expect(await maintenance.inMaintenance(TENANT, 'search', new Date(at(60 * MINUTE)))).toMatchObject({ id: later.id });
    expect(await maintenance.inMaintenance(TENANT, 'search', new Date(at(90 * MINUTE)))).toBeNull();

    const tenantWide = (await api.get(`/maintenance/${TENANT}`).expect(200)).body.maintenance as MaintenanceDto[];
    // By service, then start (payments' window of the test before ends half an hour after START).
    expect(tenantWide.map((window) => [window.service, window.id])).toEqual([['payments', expect.any(String)], ['search', now.id], ['search', later.id]]);
    // An upcoming window ended early never starts.
    await api.delete(`/services/${TENANT}/search/maintenance/${later.id}`).expect(200);
    expect(await maintenance.inMaintenance(TENANT, 'search', new Date(at(60 * MINUTE)))).toBeNull();
    await api.delete(`/services/${TENANT}/search/maintenance/${now.id}`).expect(200);
  });

  it.each<[string, object, RegExp]>([
    ['an end before the start', { start: at(60 * MINUTE), end: at(30 * MINUTE) }, /^end: must be after start/],
    ['an end equal to now (start left out)', { end: at(0) }, /^end: must be after start/],
    ['a window wholly past', { start: at(-60 * MINUTE), end: at(-30 * MINUTE) }, /^end: .* is past/],
    ['a window of more than 90 days', { end: at(91 * 24 * 60 * MINUTE) }, /^end: at most 90 days after start/],
    ['no end', { reason: 'deploying' }, /^end: /],
    ['an end that is no instant', { end: '2h' }, /^end: an ISO 8601 instant/],
    ['an empty reason', { end: at(MINUTE), reason: ' ' }, /^reason: empty/],
    ['a creator that is no Slack user', { end: at(MINUTE), created_by: 'jane' }, /^created_by: "jane" is not a Slack user id/],
    ['an unknown field', { end: at(MINUTE), until: at(MINUTE) }, /^until: unknown field/],
  ])('refuses %s with a 422 naming the field', async (_case, body, detail) => {
    expect(await refusal(api.post(`/services/${TENANT}/payments/maintenance`, body))).toMatch(detail);
  });

  it('answers 404 for a service, or a window, the tenant does not have, and for another tenant’s service', async () => {
    await api.post(`/services/${TENANT}/nothing-here/maintenance`, { end: at(MINUTE) }).expect(404);
    await api.get(`/services/${TENANT}/nothing-here/maintenance`).expect(404);
    await api.delete(`/services/${TENANT}/payments/maintenance/0a7e2d6b-6bd4-4c55-9d0c-0d1f3c8a6c51`).expect(404);
    await api.delete(`/services/${TENANT}/payments/maintenance/not-a-uuid`).expect(404);
    await api.delete(`/services/${TENANT}/nothing-here/maintenance/0a7e2d6b-6bd4-4c55-9d0c-0d1f3c8a6c51`).expect(404);
    // A window of payments is not search's.
    const window = (await api.post(`/services/${TENANT}/payments/maintenance`, { end: at(MINUTE) }).expect(201)).body as MaintenanceDto;
    await api.delete(`/services/${TENANT}/search/maintenance/${window.id}`).expect(404);
    await acme.get(`/services/${TENANT}/payments/maintenance`).expect(404);
    await acme.post(`/services/${TENANT}/payments/maintenance`, { end: at(MINUTE) }).expect(404);
    await api.delete(`/services/${TENANT}/payments/maintenance/${window.id}`).expect(200);
  });
});

describe('an alert for a service in maintenance (POST /alert {service})', () => {
  const raise = async (message: string) => (await api.post('/alert', { tenant_id: TENANT, service: 'checkout', message, severity: 'critical' }).expect(201)).body.id as string;

  it('is recorded and says so, pages nobody, is not paged when the window ends, and can be resolved; after the window the service pages again', async () => {
    const window = (await api.post(`/services/${TENANT}/checkout/maintenance`, { end: at(30 * MINUTE), reason: 'deploying 4.2' }).expect(201)).body as MaintenanceDto;
    const quiet = await raise('checkout 500s while deploying');
    const { events } = (await api.get(`/alerts/${quiet}/events`).expect(200)).body as { events: Array<{ kind: string; note: string | null }> };
    expect(events.map((event) => event.kind)).toEqual(['created']);
    expect(events[0]?.note).toBe(`raised while checkout is in maintenance until ${at(30 * MINUTE)} (deploying 4.2): pages nobody`);
    expect(await pagesOf(quiet)).toEqual({ targets: [], deliveries: 0, escalationJobs: 0 });

    // The window ends: nothing was left waiting for it, so nothing pages.
    clock.advance(31 * MINUTE);
    expect(await pagesOf(quiet)).toEqual({ targets: [], deliveries: 0, escalationJobs: 0 });
    await api.put(`/alerts/${quiet}/resolve`, { actor: 'U0ANNA' }).expect(200);

    // A new alert for the service pages through its policy again.
    const loud = await raise('checkout 500s after the deploy');
    const paged = await pagesOf(loud);
    expect(paged.targets).toEqual(['U0ANNA']);
    expect(paged.deliveries).toBeGreaterThan(0);
    await api.put(`/alerts/${loud}/resolve`, { actor: 'U0ANNA' }).expect(200);
    expect((await api.get(`/services/${TENANT}/checkout/maintenance`).expect(200)).body.maintenance.map((w: MaintenanceDto) => w.id)).not.toContain(window.id);
  });

  it('pages again at once when the window is ended early', async () => {
    // After the test before's window.
    clock.set(new Date(at(120 * MINUTE)));
    const window = (await api.post(`/services/${TENANT}/checkout/maintenance`, { end: at(180 * MINUTE) }).expect(201)).body as MaintenanceDto;
    const quiet = await raise('during the window');
    clock.advance(5 * MINUTE);
    await api.delete(`/services/${TENANT}/checkout/maintenance/${window.id}`).expect(200);
    const loud = await raise('after it ended');
    expect(await pagesOf(quiet)).toEqual({ targets: [], deliveries: 0, escalationJobs: 0 });
    expect((await pagesOf(loud)).targets).toEqual(['U0ANNA']);
    for (const id of [quiet, loud]) await api.put(`/alerts/${id}/resolve`, { actor: 'U0ANNA' }).expect(200);
  });
});

describe('PUT, GET, DELETE /heartbeats/:tenant_id/:name', () => {
  it('creates (201) a heartbeat due interval + grace from now, replaces it (200) keeping its pings, lists and deletes it', async () => {
    const created = (await api.put(`/heartbeats/${TENANT}/nightly-backup`, { service: 'payments', interval: '60s', grace: '30s' }).expect(201)).body as HeartbeatDto;
    expect(created).toEqual({
      tenant_id: TENANT,
      name: 'nightly-backup',
      service: 'payments',
      interval: '1m',
      grace: '30s',
      severity: 'high',
      state: 'up',
      last_ping_at: null,
      deadline: at(90_000),
      alert_id: null,
      created_at: START.toISOString(),
      updated_at: START.toISOString(),
    });
    clock.advance(20_000);
    await api.post(`/heartbeats/${TENANT}/nightly-backup/ping`).expect(200);
    clock.advance(5_000);
    const replaced = (await api.put(`/heartbeats/${TENANT}/nightly-backup`, { service: 'search', interval: '2m', severity: 'critical' }).expect(200)).body as HeartbeatDto;
    expect(replaced).toMatchObject({ service: 'search', interval: '2m', grace: null, severity: 'critical', last_ping_at: at(20_000), deadline: at(140_000), updated_at: at(25_000), created_at: START.toISOString() });
    expect((await api.get(`/heartbeats/${TENANT}/nightly-backup`).expect(200)).body).toEqual(replaced);
    expect((await api.get(`/heartbeats/${TENANT}`).expect(200)).body).toEqual({ heartbeats: [replaced] });

    await api.delete(`/heartbeats/${TENANT}/nightly-backup`).expect(204);
    await api.get(`/heartbeats/${TENANT}/nightly-backup`).expect(404);
    await api.delete(`/heartbeats/${TENANT}/nightly-backup`).expect(404);
    await api.post(`/heartbeats/${TENANT}/nightly-backup/ping`).expect(404);
  });

  it.each<[string, object, RegExp]>([
    ['an interval under 5s', { service: 'payments', interval: '4s' }, /^interval: under 5s/],
    ['an interval that is no duration', { service: 'payments', interval: 'often' }, /^interval: /],
    ['a zero grace', { service: 'payments', interval: '1m', grace: '0s' }, /^grace: "0s" is zero/],
    ['an unknown severity', { service: 'payments', interval: '1m', severity: 'urgent' }, /^severity: one of low, medium, high, critical/],
    ['an unknown service', { service: 'billing', interval: '1m' }, /^service: tenant T0MAINT has no service "billing"/],
    ['no service', { interval: '1m' }, /^service: /],
    ['an unknown field', { service: 'payments', interval: '1m', every: '1m' }, /^every: unknown field/],
  ])('refuses %s with a 422 naming the field', async (_case, body, detail) => {
    expect(await refusal(api.put(`/heartbeats/${TENANT}/refused`, body))).toMatch(detail);
    await api.get(`/heartbeats/${TENANT}/refused`).expect(404);
  });

  it('refuses to delete a service a heartbeat raises its alerts for (409 naming it), and hides other tenants’ heartbeats', async () => {
    await api.put(`/heartbeats/${TENANT}/cron`, { service: 'search', interval: '1h' }).expect(201);
    const res = await api.delete(`/services/${TENANT}/search`).expect(409);
    expect(res.body).toEqual({ error: 'in_use', detail: 'service "search" is used by heartbeat "cron": delete them or give them another service first', used_by: ['cron'] });
    await acme.get(`/heartbeats/${TENANT}/cron`).expect(404);
    await acme.post(`/heartbeats/${TENANT}/cron/ping`).expect(404);
    expect(await refusal(api.put(`/heartbeats/${TENANT}/Cron`, { service: 'search', interval: '1h' }))).toMatch(/^name: "Cron" is not a name/);
    await api.delete(`/heartbeats/${TENANT}/cron`).expect(204);
  });
});

describe('missed heartbeats', () => {
  it('raises the service’s alert once the deadline passed, not before; the next ping resolves it', async () => {
    await api.put(`/heartbeats/${TENANT}/queue-worker`, { service: 'queue', interval: '30s', grace: '10s', severity: 'critical' }).expect(201);
    const check = () => harness.backend.heartbeatMonitor.check();
    clock.advance(25_000);
    await api.post(`/heartbeats/${TENANT}/queue-worker/ping`).expect(200); // due 25 + 40 = 65 s
    clock.advance(39_999);
    expect(await check()).toEqual([]);

    clock.advance(1);
    const [down, ...more] = await check();
    expect(more).toEqual([]);
    expect(down).toMatchObject({ name: 'queue-worker', state: 'down' });
    const alert = await alertOf(down!.alertId!);
    expect(alert).toEqual({
      status: 'triggered',
      severity: 'critical',
      message: `Heartbeat "queue-worker" missed: no ping since ${at(25_000)} (every 30s, grace 10s)`,
      dedup_key: 'heartbeat:queue-worker',
      resolved_by: null,
    });
    expect((await api.get(`/heartbeats/${TENANT}/queue-worker`).expect(200)).body).toMatchObject({ state: 'down', alert_id: down!.alertId });
    // Paged through the service's policy: its step 1 names Anna.
    expect(await pagesOf(down!.alertId!)).toMatchObject({ targets: ['U0ANNA'], deliveries: expect.any(Number) });
    expect((await pagesOf(down!.alertId!)).deliveries).toBeGreaterThan(0);
    // Down is down: later checks raise nothing more.
    clock.advance(MINUTE);
    expect(await check()).toEqual([]);

    const pinged = (await api.post(`/heartbeats/${TENANT}/queue-worker/ping`).expect(200)).body as HeartbeatPingDto;
    expect(pinged).toMatchObject({ state: 'up', resolved_alert_id: down!.alertId, last_ping_at: clock.now().toISOString(), alert_id: down!.alertId });
    expect(await alertOf(down!.alertId!)).toMatchObject({ status: 'resolved', resolved_by: 'heartbeat:queue-worker' });
    // A ping of a heartbeat that is up resolves nothing.
    expect((await api.post(`/heartbeats/${TENANT}/queue-worker/ping`).expect(200)).body).toMatchObject({ resolved_alert_id: null });

    // The next outage is a new alert.
    clock.advance(40_000);
    const [again] = await check();
    expect(again!.alertId).not.toBe(down!.alertId);
    await api.delete(`/heartbeats/${TENANT}/queue-worker`).expect(204);
  });

  it('goes down when never pinged, and a ping after someone resolved the alert by hand resolves nothing', async () => {
    await api.put(`/heartbeats/${TENANT}/never`, { service: 'queue', interval: '5s' }).expect(201);
    clock.advance(5_000);
    const [down] = await harness.backend.heartbeatMonitor.check();
    expect(await alertOf(down!.alertId!)).toMatchObject({ message: 'Heartbeat "never" missed: never pinged (every 5s)', severity: 'high' });
    await api.put(`/alerts/${down!.alertId}/resolve`, { actor: 'U0ANNA' }).expect(200);
    expect((await api.post(`/heartbeats/${TENANT}/never/ping`).expect(200)).body).toMatchObject({ state: 'up', resolved_alert_id: null });
    expect(await alertOf(down!.alertId!)).toMatchObject({ resolved_by: 'U0ANNA' });
    await api.delete(`/heartbeats/${TENANT}/never`).expect(204);
  });

  it('records a missed heartbeat of a service in maintenance, paging nobody, and says so in its created event', async () => {
    const window = (await api.post(`/services/${TENANT}/search/maintenance`, { end: at(10 * MINUTE), reason: 'reindexing' }).expect(201)).body as MaintenanceDto;
    await api.put(`/heartbeats/${TENANT}/indexer`, { service: 'search', interval: '1m' }).expect(201);
    clock.advance(MINUTE);
    const [down] = await harness.backend.heartbeatMonitor.check();
    const { events } = (await api.get(`/alerts/${down!.alertId}/events`).expect(200)).body as { events: Array<{ kind: string; note: string | null }> };
    expect(events.find((event) => event.kind === 'created')?.note).toBe(`raised while search is in maintenance until ${at(10 * MINUTE)} (reindexing): pages nobody`);
    expect(await pagesOf(down!.alertId!)).toEqual({ targets: [], deliveries: 0, escalationJobs: 0 });
    await api.delete(`/heartbeats/${TENANT}/indexer`).expect(204);
    await api.delete(`/services/${TENANT}/search/maintenance/${window.id}`).expect(200);
  });

  describe('with a second backend on the same database (a restart, or scale-out)', () => {
    let db: Database;
    let second: Backend;
    beforeAll(() => {
      db = createDatabase({ url: harness.database.url, poolSize: 3, applicationName: 'klaxon-test-second' });
    });
    afterAll(async () => {
      await second.close();
      await closeDatabase(db);
    });

    it('notices a deadline that passed while no backend ran, on its own timer, once', async () => {
      await api.put(`/heartbeats/${TENANT}/restarted`, { service: 'queue', interval: '10s' }).expect(201);
      // The first backend stops; the deadline passes while nothing runs; a new backend starts.
      clock.advance(10 * MINUTE);
      second = buildApp(db, createLogger({ service: 'backend', format: 'json', stream: new PassThrough() }), harness.config, {}, { clock, heartbeatCheckEveryMs: 50 });
      await second.startWorker();
      const down = await eventually(
        () => harness.db.one<{ state: string; alert_id: string | null }>(`SELECT state, alert_id FROM heartbeats WHERE name = 'restarted'`),
        (row) => row.state === 'down',
      );
      expect(await alertOf(down.alert_id!)).toMatchObject({ status: 'triggered', dedup_key: 'heartbeat:restarted' });
      // The first backend checking at the same time raises nothing more.
      expect(await harness.backend.heartbeatMonitor.check()).toEqual([]);
      expect(await harness.db.one(`SELECT count(*)::int AS n FROM alerts WHERE dedup_key = 'heartbeat:restarted'`)).toEqual({ n: 1 });
      await request(second.app).post(`/heartbeats/${TENANT}/restarted/ping`).set('x-service-key', SERVICE_KEY).expect(200);
      expect(await alertOf(down.alert_id!)).toMatchObject({ status: 'resolved', resolved_by: 'heartbeat:restarted' });
    });

    it('raises one alert when both backends check the same missed heartbeat at once', async () => {
      await api.put(`/heartbeats/${TENANT}/raced`, { service: 'queue', interval: '10s' }).expect(201);
      await second.heartbeatMonitor.stop();
      clock.advance(11_000);
      const [a, b] = await Promise.all([harness.backend.heartbeatMonitor.check(), second.heartbeatMonitor.check()]);
      expect([...a, ...b].filter((h) => h.name === 'raced')).toHaveLength(1);
      expect(await harness.db.one(`SELECT count(*)::int AS n FROM alerts WHERE dedup_key = 'heartbeat:raced'`)).toEqual({ n: 1 });
    });
  });
});
