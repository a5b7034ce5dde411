import request from 'supertest';
import type { BackendConfig } from '@klaxon/config';
import { MovableClock } from '@klaxon/testing';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { buildApp, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

// The user, tenant and global paging limits with two backends (two createBackend instances, each with its
// own pool, as two processes would have) on one database: together they allow exactly what one allows.

let harness: BackendHarness;
let otherDb: Database;
const clock = new MovableClock(new Date('2026-12-08T09:00:00Z'));
beforeAll(async () => {
  harness = await startBackendHarness();
  harness.slack.setUser('U0AMSHARED', { real_name: 'Ann', profile: { phone: '+14155550181', display_name: 'ann' } });
  // Another pool, as a second process has: the two backends share nothing but PostgreSQL.
  otherDb = createDatabase({ url: harness.database.url, poolSize: 5, applicationName: 'klaxon-test-second-backend' });
});
afterAll(async () => {
  await closeDatabase(otherDb);
  await harness.close();
});

type App = ReturnType<typeof buildApp>['app'];
type Limits = Partial<BackendConfig['pagingLimits']>;
const LOOSE: Limits = { perUser: 1000, perTenant: 1000, globalPerMinute: 100_000, windowMs: 60_000 };

/** Two backends with the same limits on the same database and clock. */
function twoBackends(limits: Limits): [App, App] {
  return [
    buildApp(harness.db, harness.logger, harness.config, { ...LOOSE, ...limits }, { clock }).app,
    buildApp(otherDb, harness.logger, harness.config, { ...LOOSE, ...limits }, { clock }).app,
  ];
}

const raise = (app: App, tenant: string, options: { user?: string; requestId?: string } = {}) => {
  const req = request(app).post('/alert').set('x-service-key', SERVICE_KEY);
  if (options.requestId) req.set('x-request-id', options.requestId);
  const slack = options.user ? { slack: { channel_id: 'C0SHARED', user_id: options.user } } : {};
  return req.send({ tenant_id: tenant, message: 'shared limits', targets: [{ phone: '+14155550180' }], ...slack });
};
const storedAlerts = async (tenant: string) => (await harness.db.one<{ n: number }>('SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1', [tenant])).n;
/** A fresh global window for the tests that count it: every app of this file shares the global count. */
const nextMinute = () => clock.advance(61_000);

describe('paging limits across two backends', () => {
  it('refuses a tenant’s alert L+1 whichever backend it reaches, and says so with Retry-After', async () => {
    const [a, b] = twoBackends({ perTenant: 3 });
    await raise(a, 'T-SH-TENANT').expect(201);
    await raise(b, 'T-SH-TENANT').expect(201);
    await raise(a, 'T-SH-TENANT').expect(201);
    for (const app of [b, a]) {
      const refused = await raise(app, 'T-SH-TENANT').expect(429);
      expect(refused.body).toEqual({ error: 'rate_limited', detail: 'tenant T-SH-TENANT has raised 3 alerts in 1 min, the most Klaxon takes from one team; wait 60 s' });
      expect(refused.headers['retry-after']).toBe('60');
    }
    expect(await storedAlerts('T-SH-TENANT')).toBe(3);
  });

  it('refuses a Slack user’s alert L+1 whichever backend it reaches, and still takes their teammate', async () => {
    const [a, b] = twoBackends({ perUser: 2 });
    await raise(b, 'T-SH-USER', { user: 'U0SHONE' }).expect(201);
    await raise(a, 'T-SH-USER', { user: 'U0SHONE' }).expect(201);
    expect((await raise(b, 'T-SH-USER', { user: 'U0SHONE' }).expect(429)).body.detail).toMatch(/^<@U0SHONE> has raised 2 alerts in 1 min/);
    expect((await raise(a, 'T-SH-USER', { user: 'U0SHONE' }).expect(429)).body.detail).toMatch(/^<@U0SHONE> has raised 2 alerts in 1 min/);
    await raise(a, 'T-SH-USER', { user: 'U0SHTWO' }).expect(201);
  });

  it('refuses alert L+1 from all tenants together whichever backend it reaches', async () => {
    nextMinute();
    const [a, b] = twoBackends({ globalPerMinute: 4 });
    await raise(a, 'T-SH-G1').expect(201);
    await raise(b, 'T-SH-G2').expect(201);
    await raise(a, 'T-SH-G3').expect(201);
    await raise(b, 'T-SH-G1').expect(201);
    for (const [app, tenant] of [[a, 'T-SH-G4'], [b, 'T-SH-G2']] as const) {
      expect((await raise(app, tenant).expect(429)).body.detail).toMatch(/^Klaxon has taken 4 alerts in the last minute from all teams together/);
    }
    nextMinute();
    await raise(b, 'T-SH-G4').expect(201);
  });

  it.each([
    ['a tenant', { perTenant: 20 }, (i: number) => ({ tenant: 'T-SH-RACE-TENANT', user: `U0RACE${i}` })],
    ['a Slack user', { perUser: 20 }, (_i: number) => ({ tenant: 'T-SH-RACE-USER', user: 'U0RACER' })],
    ['all tenants', { globalPerMinute: 20 }, (i: number) => ({ tenant: `T-SH-RACE-G${i % 7}`, user: `U0RACEG${i}` })],
  ])('takes exactly 20 of 50 raises sent at once across both backends when %s may raise 20', async (_name, limits, who) => {
    nextMinute();
    const [a, b] = twoBackends(limits);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const { tenant, user } = who(i);
        return raise(i % 2 === 0 ? a : b, tenant, { user });
      }),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    const tenants = [...new Set(Array.from({ length: 50 }, (_, i) => who(i).tenant))];
    expect((await Promise.all(tenants.map(storedAlerts))).reduce((sum, n) => sum + n, 0)).toBe(20);
  });

  it('answers a request id accepted by one backend again from the other, uncounted; a refused one stays refused on both', async () => {
    const [a, b] = twoBackends({ perTenant: 2 });
    const first = await raise(a, 'T-SH-REPLAY', { requestId: 'sh-replay-1' }).expect(201);
    for (const app of [b, a, b]) expect((await raise(app, 'T-SH-REPLAY', { requestId: 'sh-replay-1' }).expect(201)).body.id).toBe(first.body.id);
    await raise(b, 'T-SH-REPLAY', { requestId: 'sh-replay-2' }).expect(201);
    await raise(b, 'T-SH-REPLAY', { requestId: 'sh-replay-3' }).expect(429);
    await raise(a, 'T-SH-REPLAY', { requestId: 'sh-replay-3' }).expect(429);
    expect(await storedAlerts('T-SH-REPLAY')).toBe(2);
  });

  it('counts an Alertmanager group’s pages all or none against the count the other backend’s raises used', async () => {
    const [a, b] = twoBackends({ perTenant: 3 });
    const group = (...fingerprints: string[]) => ({
      version: '4',
      groupKey: `{}:{alertname="${fingerprints.join(',')}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'team-shared',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.invalid:9093',
      alerts: fingerprints.map((fingerprint) => ({ status: 'firing', labels: { alertname: fingerprint }, annotations: {}, startsAt: '2026-12-08T08:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint })),
    });
    const webhook = (app: App, body: object) => request(app).post('/integrations/alertmanager?tenant_id=T-SH-AM&page=U0AMSHARED').set('x-service-key', SERVICE_KEY).send(body);
    await raise(a, 'T-SH-AM').expect(201);
    await raise(b, 'T-SH-AM').expect(201);
    // Two pages would make four: the whole group is refused (a 503, which Alertmanager retries), nothing stored.
    for (const app of [b, a]) {
      const refused = await webhook(app, group('sh-am-1', 'sh-am-2')).expect(503);
      expect(refused.body.detail).toMatch(/^tenant T-SH-AM has raised 3 alerts in 1 min.*; Alertmanager retries this webhook$/);
    }
    expect(await storedAlerts('T-SH-AM')).toBe(2);
    expect((await webhook(a, group('sh-am-3')).expect(200)).body.raised).toHaveLength(1);
    await raise(b, 'T-SH-AM').expect(429);
    expect(await storedAlerts('T-SH-AM')).toBe(3);
  });

  it('prunes counters whose window ended, on a raise a minute later, and keeps the live ones', async () => {
    const [a] = twoBackends({});
    await raise(a, 'T-SH-PRUNE-OLD', { user: 'U0PRUNEOLD' }).expect(201);
    const keys = async () =>
      (await harness.db.map('SELECT key FROM paging_limit_counters WHERE key LIKE $1 ORDER BY key', ['T-SH-PRUNE%'], (row: { key: string }) => row.key)) as string[];
    expect(await keys()).toEqual(['T-SH-PRUNE-OLD', 'T-SH-PRUNE-OLD:U0PRUNEOLD']);
    nextMinute();
    await raise(a, 'T-SH-PRUNE-NEW', { user: 'U0PRUNENEW' }).expect(201);
    expect(await keys()).toEqual(['T-SH-PRUNE-NEW', 'T-SH-PRUNE-NEW:U0PRUNENEW']);
  });
});
