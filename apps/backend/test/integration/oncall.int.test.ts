import type request from 'supertest';
import { DateTime } from 'luxon';
import { MovableClock } from '@klaxon/testing';
import type { OnCallOverviewDto, OverrideDto, ScheduleDto } from '@klaxon/contracts';
import { DST_CASES } from '../../src/oncall/dst-cases';
import { ACME_KEY, callsAs, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

// Schedules, overrides, escalation policies and services through the real app on a real PostgreSQL, time moved
// by a MovableClock: who is on call is worked out at the clock's "now".

const TENANT = 'T0ONCALL';
const START = new Date('2026-12-09T12:00:00Z'); // a Wednesday; 13:00 in Berlin
const HOUR = 3_600_000;
const clock = new MovableClock(START);

let harness: BackendHarness;
beforeAll(async () => {
  harness = await startBackendHarness({ overrides: { clock } });
});
afterAll(() => harness.close());
beforeEach(() => clock.set(START));

const as = (key: string) => callsAs(() => harness.app, key);
const api = as(SERVICE_KEY);
const acme = as(ACME_KEY);

// A weekly rotation handing over on Mondays at 09:00 Berlin time (08:00 UTC in winter).
const weekly = { time_zone: 'Europe/Berlin', layers: [{ name: 'primary', members: ['U0ANNA', 'U0BEN', 'U0CHLOE'], shift: '1w', handoff: '2026-12-07T09:00' }] };
const businessHours = {
  time_zone: 'UTC',
  layers: [{ members: ['U0EVE', 'U0FIN'], shift: '1d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] }],
};
const nights = { time_zone: 'UTC', layers: [{ name: 'nights', members: ['U0NIA'], shift: '1w', handoff: '2026-12-07T22:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '22:00', to: '06:00' }] }] };

async function putSchedule(tenant: string, name: string, body: unknown, status = 201): Promise<ScheduleDto> {
  return (await api.put(`/schedules/${tenant}/${name}`, body).expect(status)).body as ScheduleDto;
}

/** The 422 detail a request gets: it must name the field. */
async function refusal(req: request.Test): Promise<string> {
  const res = await req.expect(422);
  expect(res.body.error).toBe('invalid_field');
  return res.body.detail as string;
}

describe('PUT, GET, DELETE /schedules/:tenant_id/:name', () => {
  it('creates (201), names unnamed layers, writes shifts canonically, and says who is on call now and where its calendar is', async () => {
    const created = await putSchedule(TENANT, 'payments', { ...weekly, time_zone: 'europe/berlin', layers: [{ ...weekly.layers[0], name: undefined, shift: '7d' }] });
    expect(created).toEqual({
      tenant_id: TENANT,
      name: 'payments',
      time_zone: 'Europe/Berlin',
      layers: [{ name: 'layer-1', members: ['U0ANNA', 'U0BEN', 'U0CHLOE'], shift: '1w', handoff: '2026-12-07T09:00', restrict: null }],
      oncall_now: { person: 'U0ANNA', source: 'layer-1', start: '2026-12-07T08:00:00.000Z', end: '2026-12-14T08:00:00.000Z' },
      ical_url: expect.stringMatching(/^https:\/\/klaxon\.test\/calendar\/[A-Za-z0-9_-]{32}\.ics$/),
      created_at: START.toISOString(),
      updated_at: START.toISOString(),
    });

    clock.advance(HOUR);
    const replaced = await putSchedule(TENANT, 'payments', weekly, 200);
    expect(replaced).toMatchObject({ layers: [{ name: 'primary' }], oncall_now: { person: 'U0ANNA', source: 'primary' }, created_at: START.toISOString(), updated_at: clock.now().toISOString() });
    // The calendar URL survives a replace: subscribers keep their feed.
    expect(replaced.ical_url).toBe(created.ical_url);
  });

  it('answers GET with who is on call at the moment of asking, and lists the tenant’s schedules by name', async () => {
    await putSchedule(TENANT, 'payments', weekly, 200);
    await putSchedule(TENANT, 'business-hours', businessHours, 201);
    clock.set(new Date('2026-12-14T08:00:00Z'));
    const res = await api.get(`/schedules/${TENANT}/payments`).expect(200);
    expect(res.body.oncall_now).toEqual({ person: 'U0BEN', source: 'primary', start: '2026-12-14T08:00:00.000Z', end: '2026-12-21T08:00:00.000Z' });

    const list = await api.get(`/schedules/${TENANT}`).expect(200);
    expect(list.body.schedules.map((s: ScheduleDto) => [s.name, s.oncall_now.person])).toEqual([
      ['business-hours', null], // Monday 08:00 UTC: before its duty hours
      ['payments', 'U0BEN'],
    ]);
    expect(list.body.schedules[0].layers[0]).toEqual({ name: 'layer-1', members: ['U0EVE', 'U0FIN'], shift: '1d', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] });
  });

  it('says nobody is on call outside a layer’s duty hours', async () => {
    await putSchedule(TENANT, 'business-hours', businessHours, 200);
    clock.set(new Date('2026-12-09T18:00:00Z'));
    const res = await api.get(`/schedules/${TENANT}/business-hours`).expect(200);
    expect(res.body.oncall_now).toEqual({ person: null, source: null, start: '2026-12-09T17:00:00.000Z', end: '2026-12-10T09:00:00.000Z' });
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown zone', { ...weekly, time_zone: 'Europe/Berlinn' }, /^time_zone: unknown zone "Europe\/Berlinn"/],
    ['a zero shift', { ...weekly, layers: [{ ...weekly.layers[0], shift: '0h' }] }, /^layers\[0\]\.shift: "0h" is zero/],
    ['a member that is not a Slack user id', { ...weekly, layers: [{ ...weekly.layers[0], members: ['U0ANNA', 'jane'] }] }, /^layers\[0\]\.members\[1\]: "jane" is not a Slack user id/],
    ['a hand-off with an offset', { ...weekly, layers: [{ ...weekly.layers[0], handoff: '2026-12-07T09:00Z' }] }, /^layers\[0\]\.handoff: /],
    ['an unknown field', { ...weekly, timezone: 'UTC' }, /^timezone: unknown field/],
    ['no body', undefined, /^time_zone: .*; layers: /],
  ])('refuses %s with a 422 naming the field', async (_case, body, detail) => {
    expect(await refusal(api.put(`/schedules/${TENANT}/refused`, body))).toMatch(detail);
    await api.get(`/schedules/${TENANT}/refused`).expect(404);
  });

  it('refuses a name that is not a slug, and a malformed tenant, naming them', async () => {
    expect(await refusal(api.put(`/schedules/${TENANT}/Payments`, weekly))).toMatch(/^name: "Payments" is not a name: 1 to 64 of a-z, 0-9 and "-"/);
    expect(await refusal(api.get(`/schedules/${TENANT}/${'a'.repeat(65)}`))).toMatch(/^name: /);
    expect(await refusal(api.get('/schedules/-bad/payments'))).toMatch(/^tenant_id: /);
  });

  it('answers 404 for a schedule the tenant does not have, and deletes one (204) with its overrides', async () => {
    await api.get(`/schedules/${TENANT}/nothing-here`).expect(404);
    await api.delete(`/schedules/${TENANT}/nothing-here`).expect(404);
    await putSchedule(TENANT, 'short-lived', weekly);
    await api.post(`/schedules/${TENANT}/short-lived/overrides`, { person: 'U0DAN', start: START.toISOString(), end: new Date(START.getTime() + HOUR).toISOString() }).expect(201);
    await api.delete(`/schedules/${TENANT}/short-lived`).expect(204);
    await api.get(`/schedules/${TENANT}/short-lived`).expect(404);
    expect(await harness.db.one('SELECT count(*)::int AS n FROM schedule_overrides o LEFT JOIN schedules s ON s.id = o.schedule_id WHERE s.id IS NULL')).toEqual({ n: 0 });
  });

  it('replaces the calendar token on request: a new URL, the old one gone', async () => {
    const before = await putSchedule(TENANT, 'payments', weekly, 200);
    const after = (await api.post(`/schedules/${TENANT}/payments/calendar-token`).expect(200)).body as ScheduleDto;
    expect(after.ical_url).toMatch(/^https:\/\/klaxon\.test\/calendar\/[A-Za-z0-9_-]{32}\.ics$/);
    expect(after.ical_url).not.toBe(before.ical_url);
    expect((await api.get(`/schedules/${TENANT}/payments`).expect(200)).body.ical_url).toBe(after.ical_url);
    await api.post(`/schedules/${TENANT}/nothing-here/calendar-token`).expect(404);
  });
});

describe('GET /schedules/:tenant_id/:name/oncall', () => {
  beforeAll(async () => {
    await putSchedule(TENANT, 'rota', weekly);
  });

  it('answers the segment holding `at`, and now without it', async () => {
    const at = await api.get(`/schedules/${TENANT}/rota/oncall?at=2026-12-15T10:00:00%2B01:00`).expect(200);
    expect(at.body).toEqual({ person: 'U0BEN', source: 'primary', start: '2026-12-14T08:00:00.000Z', end: '2026-12-21T08:00:00.000Z' });
    const now = await api.get(`/schedules/${TENANT}/rota/oncall`).expect(200);
    expect(now.body).toMatchObject({ person: 'U0ANNA', start: '2026-12-07T08:00:00.000Z' });
  });

  it('answers the shifts tiling [at, until), an override cutting the shift it covers', async () => {
    const override = await api.post(`/schedules/${TENANT}/rota/overrides`, { person: 'U0DAN', start: '2026-12-15T00:00:00Z', end: '2026-12-16T00:00:00Z' }).expect(201);
    const res = await api.get(`/schedules/${TENANT}/rota/oncall?at=2026-12-10T00:00:00Z&until=2026-12-22T00:00:00Z`).expect(200);
    expect(res.body.shifts).toEqual([
      { person: 'U0ANNA', source: 'primary', start: '2026-12-10T00:00:00.000Z', end: '2026-12-14T08:00:00.000Z' },
      { person: 'U0BEN', source: 'primary', start: '2026-12-14T08:00:00.000Z', end: '2026-12-15T00:00:00.000Z' },
      { person: 'U0DAN', source: 'override', start: '2026-12-15T00:00:00.000Z', end: '2026-12-16T00:00:00.000Z' },
      { person: 'U0BEN', source: 'primary', start: '2026-12-16T00:00:00.000Z', end: '2026-12-21T08:00:00.000Z' },
      { person: 'U0CHLOE', source: 'primary', start: '2026-12-21T08:00:00.000Z', end: '2026-12-22T00:00:00.000Z' },
    ]);
    await api.delete(`/schedules/${TENANT}/rota/overrides/${override.body.id}`).expect(204);
  });

  it.each<[string, string, RegExp]>([
    ['`until` more than 90 days after `at`', '?at=2026-12-10T00:00:00Z&until=2027-03-11T00:00:01Z', /^until: at most 90 days after at/],
    ['`until` before `at`', '?at=2026-12-10T00:00:00Z&until=2026-12-09T00:00:00Z', /^until: must be after at/],
    ['`until` equal to now when `at` is left out', `?until=${START.toISOString()}`, /^until: must be after at/],
    ['`at` without an offset', '?at=2026-12-10T00:00', /^at: an ISO 8601 instant/],
    ['an unknown parameter', '?from=2026-12-10T00:00:00Z', /^from: unknown field/],
    ['`at` far beyond any schedule', '?at=9999-12-31T00:00:00Z', /^at: an instant from 1970 to 8999/],
  ])('refuses %s with a 422 naming it', async (_case, query, detail) => {
    expect(await refusal(api.get(`/schedules/${TENANT}/rota/oncall${query}`))).toMatch(detail);
  });

  it('takes exactly 90 days', async () => {
    const res = await api.get(`/schedules/${TENANT}/rota/oncall?at=2026-12-10T00:00:00Z&until=2027-03-10T00:00:00Z`).expect(200);
    expect(res.body.shifts.at(-1).end).toBe('2027-03-10T00:00:00.000Z');
  });

  // The daylight-saving table docs/oncall.md prints: each hand-off at the wall-clock time a person expects.
  it.each(DST_CASES.map((c) => [`${c.zone}: ${c.case}`, c] as const))('%s', async (_name, dstCase) => {
    const name = `dst-${DST_CASES.indexOf(dstCase)}`;
    await putSchedule(TENANT, name, { time_zone: dstCase.zone, layers: [{ name: 'primary', members: ['U0ANNA', 'U0BEN', 'U0CHLOE'], shift: dstCase.shift, handoff: dstCase.handoff }] });
    for (const handoff of dstCase.handoffs) {
      const instant = new Date(handoff);
      const at = await api.get(`/schedules/${TENANT}/${name}/oncall?at=${encodeURIComponent(instant.toISOString())}`).expect(200);
      const before = await api.get(`/schedules/${TENANT}/${name}/oncall?at=${encodeURIComponent(new Date(instant.getTime() - 1).toISOString())}`).expect(200);
      const local = (iso: string) => DateTime.fromISO(iso, { zone: dstCase.zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");
      expect(local(at.body.start)).toBe(handoff);
      expect(local(before.body.end)).toBe(handoff);
      expect(at.body.person).not.toBe(before.body.person);
    }
  });
});

describe('POST, GET, DELETE /schedules/:tenant_id/:name/overrides', () => {
  beforeAll(async () => {
    await putSchedule(TENANT, 'overridden', weekly);
  });
  const hoursFromStart = (hours: number) => new Date(START.getTime() + hours * HOUR).toISOString();

  it('creates an override (201) that makes someone else on call at once, lists it, and deletes it (204)', async () => {
    const res = await api.post(`/schedules/${TENANT}/overridden/overrides`, { person: 'U0DAN', start: START.toISOString(), end: hoursFromStart(2) }).expect(201);
    const override = res.body as OverrideDto;
    expect(override).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), schedule: 'overridden', person: 'U0DAN', start: START.toISOString(), end: hoursFromStart(2), created_at: START.toISOString() });

    const now = await api.get(`/schedules/${TENANT}/overridden`).expect(200);
    expect(now.body.oncall_now).toEqual({ person: 'U0DAN', source: 'override', start: START.toISOString(), end: hoursFromStart(2) });

    const listed = await api.get(`/schedules/${TENANT}/overridden/overrides`).expect(200);
    expect(listed.body).toEqual({ overrides: [override] });
    // Not yet over, within the window asked for: none after it ended.
    expect((await api.get(`/schedules/${TENANT}/overridden/overrides?from=${encodeURIComponent(hoursFromStart(2))}`).expect(200)).body).toEqual({ overrides: [] });
    expect((await api.get(`/schedules/${TENANT}/overridden/overrides?from=${encodeURIComponent(hoursFromStart(-1))}&to=${encodeURIComponent(hoursFromStart(1))}`).expect(200)).body.overrides).toHaveLength(1);

    await api.delete(`/schedules/${TENANT}/overridden/overrides/${override.id}`).expect(204);
    await api.delete(`/schedules/${TENANT}/overridden/overrides/${override.id}`).expect(404);
    expect((await api.get(`/schedules/${TENANT}/overridden`).expect(200)).body.oncall_now.person).toBe('U0ANNA');
  });

  it('lets the override created last win where two overlap', async () => {
    const first = await api.post(`/schedules/${TENANT}/overridden/overrides`, { person: 'U0DAN', start: START.toISOString(), end: hoursFromStart(4) }).expect(201);
    const second = await api.post(`/schedules/${TENANT}/overridden/overrides`, { person: 'U0EVE', start: hoursFromStart(1), end: hoursFromStart(2) }).expect(201);
    const shifts = await api.get(`/schedules/${TENANT}/overridden/oncall?until=${encodeURIComponent(hoursFromStart(5))}`).expect(200);
    expect(shifts.body.shifts.map((s: { person: string }) => s.person)).toEqual(['U0DAN', 'U0EVE', 'U0DAN', 'U0ANNA']);
    await api.delete(`/schedules/${TENANT}/overridden/overrides/${first.body.id}`).expect(204);
    await api.delete(`/schedules/${TENANT}/overridden/overrides/${second.body.id}`).expect(204);
  });

  it.each<[string, unknown, RegExp]>([
    ['an end at its start', { person: 'U0DAN', start: START.toISOString(), end: START.toISOString() }, /^end: must be after start/],
    ['an end before its start', { person: 'U0DAN', start: hoursFromStart(2), end: hoursFromStart(1) }, /^end: must be after start/],
    ['a person that is not a Slack user id', { person: '@dan', start: START.toISOString(), end: hoursFromStart(1) }, /^person: "@dan" is not a Slack user id/],
    ['a start without an offset', { person: 'U0DAN', start: '2026-12-09T12:00', end: hoursFromStart(1) }, /^start: an ISO 8601 instant/],
  ])('refuses %s with a 422 naming the field', async (_case, body, detail) => {
    expect(await refusal(api.post(`/schedules/${TENANT}/overridden/overrides`, body))).toMatch(detail);
  });

  it('refuses a window that ends before it starts, naming `to`; an override id that is none is a 404', async () => {
    expect(await refusal(api.get(`/schedules/${TENANT}/overridden/overrides?from=${encodeURIComponent(hoursFromStart(2))}&to=${encodeURIComponent(hoursFromStart(1))}`))).toMatch(/^to: must be after from/);
    await api.delete(`/schedules/${TENANT}/overridden/overrides/not-an-id`).expect(404);
    await api.post(`/schedules/${TENANT}/nothing-here/overrides`, { person: 'U0DAN', start: START.toISOString(), end: hoursFromStart(1) }).expect(404);
  });
});

describe('escalation policies and services', () => {
  beforeAll(async () => {
    await putSchedule(TENANT, 'primary', weekly);
    await putSchedule(TENANT, 'nights', nights);
  });

  it('creates a policy (201) with canonical durations and repeat 0, replaces it (200), lists and reads it', async () => {
    const body = { steps: [{ targets: [{ schedule: 'primary' }], escalate_after: '600s' }, { targets: [{ person: 'U0LEAD' }, { schedule: 'nights' }], escalate_after: '1h' }] };
    const created = await api.put(`/escalation-policies/${TENANT}/standard`, body).expect(201);
    expect(created.body).toEqual({
      tenant_id: TENANT,
      name: 'standard',
      steps: [
        { targets: [{ schedule: 'primary' }], escalate_after: '10m' },
        { targets: [{ person: 'U0LEAD' }, { schedule: 'nights' }], escalate_after: '1h' },
      ],
      repeat: 0,
      created_at: START.toISOString(),
      updated_at: START.toISOString(),
    });
    clock.advance(HOUR);
    const replaced = await api.put(`/escalation-policies/${TENANT}/standard`, { ...body, repeat: 2 }).expect(200);
    expect(replaced.body).toMatchObject({ repeat: 2, created_at: START.toISOString(), updated_at: clock.now().toISOString() });
    expect((await api.get(`/escalation-policies/${TENANT}/standard`).expect(200)).body).toEqual(replaced.body);
    expect((await api.get(`/escalation-policies/${TENANT}`).expect(200)).body).toEqual({ escalation_policies: [replaced.body] });
    await api.get(`/escalation-policies/${TENANT}/nothing-here`).expect(404);
  });

  it.each<[string, unknown, RegExp]>([
    ['a step naming an unknown schedule', { steps: [{ targets: [{ schedule: 'primary' }, { schedule: 'nobody-here' }], escalate_after: '5m' }] }, /^steps\[0\]\.targets\[1\]\.schedule: tenant T0ONCALL has no schedule "nobody-here"$/],
    ['escalate_after under 5s', { steps: [{ targets: [{ schedule: 'primary' }], escalate_after: '4s' }] }, /^steps\[0\]\.escalate_after: under 5s/],
    ['a person that is not a Slack user id', { steps: [{ targets: [{ person: 'jane' }], escalate_after: '5m' }] }, /^steps\[0\]\.targets\[0\]\.person: "jane" is not a Slack user id/],
    ['a target naming both', { steps: [{ targets: [{ person: 'U0LEAD', schedule: 'primary' }], escalate_after: '5m' }] }, /^steps\[0\]\.targets\[0\]: a target is/],
    ['repeat over 5', { steps: [{ targets: [{ person: 'U0LEAD' }], escalate_after: '5m' }], repeat: 6 }, /^repeat: at most 5/],
  ])('refuses %s with a 422 naming the field, storing nothing', async (_case, body, detail) => {
    expect(await refusal(api.put(`/escalation-policies/${TENANT}/refused`, body))).toMatch(detail);
    await api.get(`/escalation-policies/${TENANT}/refused`).expect(404);
  });

  it('creates a service (201) on a policy, replaces it (200), lists and reads it; refuses an unknown policy naming it', async () => {
    await api.put(`/escalation-policies/${TENANT}/standard`, { steps: [{ targets: [{ schedule: 'primary' }], escalate_after: '5m' }] }).expect(200);
    const created = await api.put(`/services/${TENANT}/checkout`, { escalation_policy: 'standard', slack_channel: 'C0CHECKOUT', slack_usergroup: 'S0CHECKOUT' }).expect(201);
    expect(created.body).toEqual({
      tenant_id: TENANT,
      name: 'checkout',
      escalation_policy: 'standard',
      slack_channel: 'C0CHECKOUT',
      slack_usergroup: 'S0CHECKOUT',
      created_at: START.toISOString(),
      updated_at: START.toISOString(),
    });
    const replaced = await api.put(`/services/${TENANT}/checkout`, { escalation_policy: 'standard' }).expect(200);
    expect(replaced.body).toMatchObject({ slack_channel: null, slack_usergroup: null });
    expect((await api.get(`/services/${TENANT}/checkout`).expect(200)).body).toEqual(replaced.body);
    expect((await api.get(`/services/${TENANT}`).expect(200)).body).toEqual({ services: [replaced.body] });

    expect(await refusal(api.put(`/services/${TENANT}/refused`, { escalation_policy: 'nothing-here' }))).toBe(`escalation_policy: tenant ${TENANT} has no escalation policy "nothing-here"`);
    expect(await refusal(api.put(`/services/${TENANT}/refused`, { escalation_policy: 'standard', slack_channel: '#checkout' }))).toMatch(/^slack_channel: /);
    expect(await refusal(api.put(`/services/${TENANT}/refused`, { escalation_policy: 'standard', slack_usergroup: '@oncall' }))).toMatch(/^slack_usergroup: "@oncall" is not a Slack user group id/);
    await api.get(`/services/${TENANT}/refused`).expect(404);
  });

  it('refuses a user group another service already has, naming the field and that service', async () => {
    await api.put(`/services/${TENANT}/group-holder`, { escalation_policy: 'standard', slack_usergroup: 'S0HOLDER' }).expect(201);
    const detail = await refusal(api.put(`/services/${TENANT}/group-taker`, { escalation_policy: 'standard', slack_usergroup: 'S0HOLDER' }));
    expect(detail).toMatch(/^slack_usergroup: S0HOLDER already belongs to service "group-holder"/);
    await api.get(`/services/${TENANT}/group-taker`).expect(404);
    // The holder may keep its own group when it is written again.
    await api.put(`/services/${TENANT}/group-holder`, { escalation_policy: 'standard', slack_usergroup: 'S0HOLDER' }).expect(200);
    await api.delete(`/services/${TENANT}/group-holder`).expect(204);
  });

  it('refuses to delete a schedule a policy uses, or a policy a service uses (409 naming who), until they let go', async () => {
    await putSchedule(TENANT, 'in-use', weekly);
    await api.put(`/escalation-policies/${TENANT}/uses-it`, { steps: [{ targets: [{ schedule: 'in-use' }], escalate_after: '5m' }] }).expect(201);
    await api.put(`/services/${TENANT}/pays-through`, { escalation_policy: 'uses-it' }).expect(201);

    const schedule = await api.delete(`/schedules/${TENANT}/in-use`).expect(409);
    expect(schedule.body).toEqual({ error: 'in_use', detail: expect.stringMatching(/^schedule "in-use" is used by escalation policy "uses-it"/), used_by: ['uses-it'] });
    const policy = await api.delete(`/escalation-policies/${TENANT}/uses-it`).expect(409);
    expect(policy.body).toEqual({ error: 'in_use', detail: expect.stringMatching(/^escalation policy "uses-it" is used by service "pays-through"/), used_by: ['pays-through'] });
    await api.get(`/schedules/${TENANT}/in-use`).expect(200);

    // The policy lets go of the schedule: the schedule may go. The service goes: the policy may go.
    await api.put(`/escalation-policies/${TENANT}/uses-it`, { steps: [{ targets: [{ person: 'U0LEAD' }], escalate_after: '5m' }] }).expect(200);
    await api.delete(`/schedules/${TENANT}/in-use`).expect(204);
    await api.delete(`/services/${TENANT}/pays-through`).expect(204);
    await api.delete(`/services/${TENANT}/pays-through`).expect(404);
    await api.delete(`/escalation-policies/${TENANT}/uses-it`).expect(204);
    await api.delete(`/escalation-policies/${TENANT}/uses-it`).expect(404);
  });
  it('never leaves a policy naming a schedule that is gone when the DELETE and the PUT race: one of them wins', async () => {
    for (let i = 0; i < 12; i++) {
      await putSchedule(TENANT, `racing-${i}`, weekly);
      const [deleted, put] = await Promise.all([
        api.delete(`/schedules/${TENANT}/racing-${i}`),
        api.put(`/escalation-policies/${TENANT}/racing-${i}`, { steps: [{ targets: [{ schedule: `racing-${i}` }], escalate_after: '5m' }] }),
      ]);
      expect(['204/422', '409/201']).toContain(`${deleted.status}/${put.status}`);
    }
    const dangling = await harness.db.any(
      `SELECT p.name FROM escalation_policies p, jsonb_array_elements(p.steps) step, jsonb_array_elements(step->'targets') target
        WHERE p.tenant_id = $1 AND target ? 'schedule' AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.tenant_id = p.tenant_id AND s.name = target->>'schedule')`,
      [TENANT],
    );
    expect(dangling).toEqual([]);
  });
});

describe('GET /oncall/:tenant_id', () => {
  const OVERVIEW = 'T0OVERVIEW';

  it('lists every schedule while the tenant has no services: who, until when, who is next', async () => {
    await putSchedule(OVERVIEW, 'payments', weekly);
    await putSchedule(OVERVIEW, 'nights', nights);
    const res = await api.get(`/oncall/${OVERVIEW}`).expect(200);
    expect(res.body as OnCallOverviewDto).toEqual({
      tenant_id: OVERVIEW,
      at: START.toISOString(),
      services: [],
      schedules: [
        { schedule: 'nights', person: null, source: null, until: '2026-12-09T22:00:00.000Z', next: { person: 'U0NIA', start: '2026-12-09T22:00:00.000Z' } },
        { schedule: 'payments', person: 'U0ANNA', source: 'primary', until: '2026-12-14T08:00:00.000Z', next: { person: 'U0BEN', start: '2026-12-14T08:00:00.000Z' } },
      ],
    });
  });

  it('answers per service once there are services: the first step that finds someone on call', async () => {
    await api.put(`/escalation-policies/${OVERVIEW}/nights-first`, { steps: [{ targets: [{ schedule: 'nights' }], escalate_after: '5m' }, { targets: [{ schedule: 'payments' }, { person: 'U0LEAD' }], escalate_after: '5m' }] }).expect(201);
    await api.put(`/services/${OVERVIEW}/payments-api`, { escalation_policy: 'nights-first' }).expect(201);
    const res = await api.get(`/oncall/${OVERVIEW}`).expect(200);
    expect(res.body.schedules).toEqual([]);
    expect(res.body.services).toEqual([
      {
        name: 'payments-api',
        escalation_policy: 'nights-first',
        step: 2,
        on_call: [
          { schedule: 'payments', person: 'U0ANNA', source: 'primary', until: '2026-12-14T08:00:00.000Z', next: { person: 'U0BEN', start: '2026-12-14T08:00:00.000Z' } },
          { schedule: null, person: 'U0LEAD', source: null, until: null, next: null },
        ],
      },
    ]);
    clock.set(new Date('2026-12-09T23:00:00Z'));
    const night = await api.get(`/oncall/${OVERVIEW}?name=payments-api`).expect(200);
    expect(night.body.services[0]).toMatchObject({ step: 1, on_call: [{ schedule: 'nights', person: 'U0NIA', until: '2026-12-10T06:00:00.000Z', next: { person: null } }] });
  });

  it('answers for a named schedule, runs an override of the same person into one stretch, and 404s an unknown name', async () => {
    // Anna's override after her own shift keeps her on call until it ends.
    await api.post(`/schedules/${OVERVIEW}/payments/overrides`, { person: 'U0ANNA', start: '2026-12-14T08:00:00Z', end: '2026-12-14T20:00:00Z' }).expect(201);
    const res = await api.get(`/oncall/${OVERVIEW}?name=payments`).expect(200);
    expect(res.body).toMatchObject({ services: [], schedules: [{ schedule: 'payments', person: 'U0ANNA', until: '2026-12-14T20:00:00.000Z', next: { person: 'U0BEN' } }] });
    const missing = await api.get(`/oncall/${OVERVIEW}?name=nothing-here`).expect(404);
    expect(missing.body.detail).toBe(`tenant ${OVERVIEW} has no service or schedule "nothing-here"`);
    expect(await refusal(api.get(`/oncall/${OVERVIEW}?name=Payments`))).toMatch(/^name: /);
  });

  it('answers an empty overview for a tenant with nothing set up', async () => {
    expect((await api.get('/oncall/T0EMPTY').expect(200)).body).toEqual({ tenant_id: 'T0EMPTY', at: START.toISOString(), services: [], schedules: [] });
  });
});

describe('a key bound to a tenant', () => {
  it('manages its own tenant’s schedules, policies and services, and finds another tenant’s missing (404)', async () => {
    await acme.put('/schedules/acme/payments', weekly).expect(201);
    await acme.put('/escalation-policies/acme/standard', { steps: [{ targets: [{ schedule: 'payments' }], escalate_after: '5m' }] }).expect(201);
    await acme.put('/services/acme/checkout', { escalation_policy: 'standard' }).expect(201);
    await acme.post('/schedules/acme/payments/overrides', { person: 'U0DAN', start: START.toISOString(), end: new Date(START.getTime() + HOUR).toISOString() }).expect(201);
    expect((await acme.get('/oncall/acme').expect(200)).body.services[0].on_call[0].person).toBe('U0DAN');

    await putSchedule(TENANT, 'payments', weekly, 200);
    const foreign = [
      acme.get(`/schedules/${TENANT}/payments`),
      acme.get(`/schedules/${TENANT}`),
      acme.put(`/schedules/${TENANT}/payments`, weekly),
      acme.delete(`/schedules/${TENANT}/payments`),
      acme.get(`/schedules/${TENANT}/payments/oncall`),
      acme.post(`/schedules/${TENANT}/payments/overrides`, { person: 'U0DAN', start: START.toISOString(), end: new Date(START.getTime() + HOUR).toISOString() }),
      acme.get(`/schedules/${TENANT}/payments/overrides`),
      acme.post(`/schedules/${TENANT}/payments/calendar-token`),
      acme.get(`/escalation-policies/${TENANT}`),
      acme.put(`/escalation-policies/${TENANT}/standard`, { steps: [{ targets: [{ person: 'U0LEAD' }], escalate_after: '5m' }] }),
      acme.get(`/services/${TENANT}`),
      acme.delete(`/services/${TENANT}/checkout`),
      acme.get(`/oncall/${TENANT}`),
    ];
    for (const res of await Promise.all(foreign)) expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { error: 'not_found', detail: `no tenant ${TENANT}` } });
    // Nothing of the other tenant changed: its schedule is the one written above, with no override from acme.
    expect((await api.get(`/schedules/${TENANT}/payments`).expect(200)).body.oncall_now.person).toBe('U0ANNA');
    // Names are the tenant's own: acme's "payments" is not T0ONCALL's.
    expect((await api.get('/schedules/acme/payments').expect(200)).body.oncall_now.person).toBe('U0DAN');
  });
});
