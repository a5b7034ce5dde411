import request from 'supertest';
import type { OnCallConfigDto, OnCallPlanDto, OverrideDto, ScheduleDto } from '@klaxon/contracts';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

// Config as code through the real app on a real PostgreSQL: a tenant's schedules, policies and services
// exported as one document and applied as one transaction (docs/oncall.md, "Config as code").

let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness();
});
afterAll(() => harness.close());

const apply = (tenant: string, document: unknown, query = '', key = SERVICE_KEY) =>
  request(harness.app).post(`/oncall-config/${tenant}${query}`).set('x-service-key', key).send(document as object);
const exported = async (tenant: string, key = SERVICE_KEY): Promise<OnCallConfigDto> =>
  (await request(harness.app).get(`/oncall-config/${tenant}`).set('x-service-key', key).expect(200)).body as OnCallConfigDto;
const count = async (table: string, tenant: string) => Number((await harness.db.one<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenant])).n);
const actions = (plan: OnCallPlanDto) => plan.changes.map((c) => `${c.action} ${c.section}.${c.name}`);

const weekly = { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: '1w', handoff: '2026-12-07T09:00' }] };
const document = {
  schedules: {
    payments: weekly,
    leads: { time_zone: 'utc', layers: [{ members: ['U0LEAD'], shift: '7d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue'], from: '09:00', to: '17:00' }] }] },
  },
  escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '300s' }, { targets: [{ schedule: 'leads' }, { person: 'U0BOSS' }], escalate_after: '10m' }], repeat: 1 } },
  services: { payments: { escalation_policy: 'std', slack_channel: 'C0PAY', slack_usergroup: 'S0PAY' } },
  heartbeats: { 'nightly-backup': { service: 'payments', interval: '1d', grace: '600s' } },
};

describe('POST /oncall-config/:tenant_id, GET /oncall-config/:tenant_id', () => {
  it('applies a document, exports it in canonical form, and finds nothing to change when that export comes back', async () => {
    const first = await apply('T-ROUND', document).expect(200);
    expect(actions(first.body)).toEqual(['create schedules.leads', 'create schedules.payments', 'create escalation_policies.std', 'create services.payments', 'create heartbeats.nightly-backup']);
    expect(first.body).toMatchObject({ tenant_id: 'T-ROUND', dry_run: false, prune: false, applied: true, unchanged: 0, kept: [] });

    const config = await exported('T-ROUND');
    expect(config).toEqual({
      schedules: {
        leads: { time_zone: 'UTC', layers: [{ name: 'layer-1', members: ['U0LEAD'], shift: '1w', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue'], from: '09:00', to: '17:00' }] }] },
        payments: weekly,
      },
      escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '5m' }, { targets: [{ schedule: 'leads' }, { person: 'U0BOSS' }], escalate_after: '10m' }], repeat: 1 } },
      services: { payments: { escalation_policy: 'std', slack_channel: 'C0PAY', slack_usergroup: 'S0PAY' } },
      heartbeats: { 'nightly-backup': { service: 'payments', interval: '24h', grace: '10m', severity: 'high' } },
    });
    // The per-kind routes see the same objects: the apply went through the same tables and links.
    const schedule = (await request(harness.app).get('/schedules/T-ROUND/payments').set('x-service-key', SERVICE_KEY).expect(200)).body as ScheduleDto;
    expect(schedule.layers[0]?.members).toEqual(['U0ANNA', 'U0BEN']);
    await request(harness.app).delete('/schedules/T-ROUND/leads').set('x-service-key', SERVICE_KEY).expect(409);

    for (const again of [config, document]) {
      const second = await apply('T-ROUND', again).expect(200);
      expect(second.body).toEqual({ tenant_id: 'T-ROUND', dry_run: false, prune: false, applied: false, changes: [], unchanged: 5, kept: [] });
    }
    expect(await exported('T-ROUND')).toEqual(config);
  });

  it('plans without writing on a dry run, and names each changed field', async () => {
    await apply('T-DRY', document).expect(200);
    const before = await exported('T-DRY');
    const changed = { ...document, escalation_policies: { std: { ...document.escalation_policies.std, repeat: 3 } }, services: { ...document.services, checkout: { escalation_policy: 'std' } } };
    const plan = (await apply('T-DRY', changed, '?dry_run=true').expect(200)).body as OnCallPlanDto;
    expect(plan).toMatchObject({ dry_run: true, applied: false, unchanged: 4 });
    expect(actions(plan)).toEqual(['update escalation_policies.std', 'create services.checkout']);
    expect(plan.changes[0]?.fields).toEqual([{ path: 'repeat', before: 1, after: 3 }]);
    expect(await exported('T-DRY')).toEqual(before);
  });

  it('refuses a document with a link to nothing, naming every problem by its path, and writes none of it', async () => {
    const broken = {
      ...document,
      escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }, { schedule: 'nope' }], escalate_after: '5m' }] } },
      services: { payments: { escalation_policy: 'missing' } },
    };
    const res = await apply('T-BROKEN', broken).expect(422);
    expect(res.body).toEqual({
      error: 'invalid_field',
      detail:
        'escalation_policies.std.steps[0].targets[1].schedule: no schedule "nope" in the file or the tenant; services.payments.escalation_policy: no escalation policy "missing" in the file or the tenant',
      problems: [
        { path: 'escalation_policies.std.steps[0].targets[1].schedule', message: 'no schedule "nope" in the file or the tenant' },
        { path: 'services.payments.escalation_policy', message: 'no escalation policy "missing" in the file or the tenant' },
      ],
    });
    // The schedules of the same document, fine on their own, were not written either.
    expect(await count('schedules', 'T-BROKEN')).toBe(0);
  });

  it('refuses a bad field with its whole path, every one at once', async () => {
    const res = await apply('T-FIELDS', { schedules: { payments: { ...weekly, layers: [{ ...weekly.layers[0], shift: '30m' }] }, Bad: weekly }, escalation_policy: {} }).expect(422);
    expect(res.body.problems).toEqual([
      { path: 'schedules.payments.layers[0].shift', message: 'shorter than 1h: shifts are an hour or longer (for a short swap, add an override)' },
      { path: 'schedules.Bad', message: '"Bad" is not a name: 1 to 64 of a-z, 0-9 and "-", such as payments-primary' },
      { path: 'escalation_policy', message: 'unknown section: the sections are schedules, escalation_policies, services, heartbeats (check the spelling)' },
    ]);
  });

  it('rolls everything back when the database refuses one write after others succeeded', async () => {
    // A rule only this test's database has: the service is written last, after both schedules and the policy.
    await harness.db.none("ALTER TABLE services ADD CONSTRAINT test_no_doomed CHECK (name <> 'doomed')");
    try {
      const res = await apply('T-ATOMIC', { schedules: document.schedules, escalation_policies: document.escalation_policies, services: { doomed: document.services.payments } }).expect(500);
      expect(res.body.error).toBe('internal');
      for (const table of ['schedules', 'escalation_policies', 'services']) expect(await count(table, 'T-ATOMIC')).toBe(0);
    } finally {
      await harness.db.none('ALTER TABLE services DROP CONSTRAINT test_no_doomed');
    }
  });

  it('keeps the overrides and the calendar URL of a schedule it replaces', async () => {
    await apply('T-KEEP', document).expect(200);
    const before = (await request(harness.app).get('/schedules/T-KEEP/payments').set('x-service-key', SERVICE_KEY).expect(200)).body as ScheduleDto;
    const override = (
      await request(harness.app)
        .post('/schedules/T-KEEP/payments/overrides')
        .set('x-service-key', SERVICE_KEY)
        .send({ person: 'U0COVER', start: '2099-01-01T00:00:00Z', end: '2099-01-02T00:00:00Z' })
        .expect(201)
    ).body as OverrideDto;
    const plan = (await apply('T-KEEP', { schedules: { payments: { ...weekly, layers: [{ ...weekly.layers[0], members: ['U0BEN', 'U0ANNA'] }] } } }).expect(200)).body as OnCallPlanDto;
    expect(actions(plan)).toEqual(['update schedules.payments']);
    expect(plan.kept).toEqual([{ section: 'schedules', name: 'leads' }]);
    const after = (await request(harness.app).get('/schedules/T-KEEP/payments').set('x-service-key', SERVICE_KEY).expect(200)).body as ScheduleDto;
    expect(after.ical_url).toBe(before.ical_url);
    const overrides = await request(harness.app).get('/schedules/T-KEEP/payments/overrides?from=2098-12-31T00:00:00Z').set('x-service-key', SERVICE_KEY).expect(200);
    expect(overrides.body.overrides.map((o: OverrideDto) => o.id)).toEqual([override.id]);
  });

  it('deletes what the sections it has do not name only with prune, and never what an unmanaged kind uses', async () => {
    await apply('T-PRUNE', document).expect(200);
    const withoutLeads = { schedules: { payments: weekly }, escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '5m' }] } } };
    // Services are not in the file: prune must not delete the policy the service pages through, nor the service.
    const refused = await apply('T-PRUNE', { schedules: { payments: weekly } }, '?prune=true').expect(422);
    expect(refused.body.problems).toEqual([
      { path: 'schedules', message: 'prune would delete schedule "leads", which escalation policy "std" uses and the file does not manage (it has no escalation_policies section): add "leads" to the file' },
    ]);
    expect(await count('schedules', 'T-PRUNE')).toBe(2);

    const plan = (await apply('T-PRUNE', withoutLeads, '?prune=true').expect(200)).body as OnCallPlanDto;
    expect(actions(plan)).toEqual(['update escalation_policies.std', 'delete schedules.leads']);
    expect(Object.keys((await exported('T-PRUNE')).schedules)).toEqual(['payments']);
    expect(Object.keys((await exported('T-PRUNE')).services)).toEqual(['payments']);
  });

  it('writes heartbeats after their services and deletes them first, and leaves an unchanged one’s pings alone', async () => {
    await apply('T-BEAT', document).expect(200);
    const beat = '/heartbeats/T-BEAT/nightly-backup';
    const pinged = (await request(harness.app).post(`${beat}/ping`).set('x-service-key', SERVICE_KEY).expect(200)).body;
    expect((await apply('T-BEAT', document).expect(200)).body.changes).toEqual([]);
    expect((await request(harness.app).get(beat).set('x-service-key', SERVICE_KEY).expect(200)).body).toMatchObject({ last_ping_at: pinged.last_ping_at, deadline: pinged.deadline });

    const pruned = (await apply('T-BEAT', { ...document, services: {}, heartbeats: {} }, '?prune=true').expect(200)).body as OnCallPlanDto;
    expect(actions(pruned)).toEqual(['delete heartbeats.nightly-backup', 'delete services.payments']);
    await request(harness.app).get(beat).set('x-service-key', SERVICE_KEY).expect(404);
  });

  it('moves user groups between services in one apply', async () => {
    await apply('T-GROUPS', { ...document, services: { ...document.services, checkout: { escalation_policy: 'std', slack_usergroup: 'S0CHK' } } }).expect(200);
    const traded = { payments: { escalation_policy: 'std', slack_usergroup: 'S0CHK' }, checkout: { escalation_policy: 'std', slack_usergroup: 'S0PAY' } };
    const plan = (await apply('T-GROUPS', { services: traded }).expect(200)).body as OnCallPlanDto;
    expect(actions(plan)).toEqual(['update services.checkout', 'update services.payments']);
    expect((await exported('T-GROUPS')).services).toEqual({ checkout: traded.checkout, payments: traded.payments });
  });

  it('plans each of two applies at once against what the other left: one creates, the other finds it done', async () => {
    const [a, b] = await Promise.all([apply('T-RACE', document), apply('T-RACE', document)]);
    const plans = [a.body as OnCallPlanDto, b.body as OnCallPlanDto].map((plan) => plan.changes.length).sort();
    expect(plans).toEqual([0, 5]);
  });

  it('shows and changes only the tenant a bound key belongs to', async () => {
    await apply('T-OTHER', document, '', ACME_KEY).expect(404);
    await request(harness.app).get('/oncall-config/T-ROUND').set('x-service-key', ACME_KEY).expect(404);
    await apply('acme', { schedules: { payments: weekly } }, '', ACME_KEY).expect(200);
    expect(Object.keys((await exported('acme', ACME_KEY)).schedules)).toEqual(['payments']);
    expect(await exported('T-NOTHING')).toEqual({ schedules: {}, escalation_policies: {}, services: {}, heartbeats: {} });
  });
});
