import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { lastEscalatedRound } from '../../src/alerts/alert-event.repository';
import { escalationJobKey } from '../../src/jobs/job-queue';
import { findJobs, takeWaitingJob } from '../../src/jobs/keyed-jobs.repository';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, TWILIO, type PagingHarness } from './paging-harness';

// Paging a service (DESIGN.md "On call"): its escalation policy, copied onto the alert when raised, pages whoever is
// on call at the clock's now, step by step. The clock is moved, never waited for: each step runs as its job would
// (the service behind the job), once the clock says it is due.

const TENANT = 'T0SVCPAGE';
const START = new Date('2026-12-09T12:00:00Z'); // a Wednesday
const MINUTE = 60_000;
const clock = new MovableClock(START);
let paging: PagingHarness;

const PHONES: Record<string, string> = { U0JANE: '+14155550201', U0JOE: '+14155550202', U0BOB: '+14155550203', U0LEAD: '+14155550204' };

const api = {
  put: (url: string, body: unknown) => request(paging.app).put(url).set('x-service-key', SERVICE_KEY).send(body as object),
  post: (url: string, body: unknown) => request(paging.app).post(url).set('x-service-key', SERVICE_KEY).send(body as object),
};
const weekly = (members: string[]) => ({ time_zone: 'UTC', layers: [{ name: 'primary', members, shift: '1w', handoff: '2026-12-07T09:00' }] });

beforeAll(async () => {
  paging = await startPagingHarness({ overrides: { clock } });
  for (const [person, phone] of Object.entries(PHONES)) await api.put(`/contacts/${TENANT}/${person}`, { phone }).expect(200);
  await api.put(`/schedules/${TENANT}/payments-primary`, weekly(['U0JANE', 'U0JOE'])).expect(201);
  await api.put(`/schedules/${TENANT}/payments-secondary`, weekly(['U0BOB'])).expect(201);
  // On duty on Saturdays only: nobody is on call on the test's Wednesday.
  await api
    .put(`/schedules/${TENANT}/weekends`, { time_zone: 'UTC', layers: [{ members: ['U0JOE'], shift: '1w', handoff: '2026-12-07T09:00', restrict: [{ days: ['sat'], from: '00:00', to: '23:59' }] }] })
    .expect(201);
  const policy = (name: string, steps: Array<[string, string]>, repeat = 0) =>
    api.put(`/escalation-policies/${TENANT}/${name}`, { steps: steps.map(([schedule, after]) => ({ targets: [{ schedule }], escalate_after: after })), repeat }).expect(201);
  await policy('payments-escalation', [
    ['payments-primary', '10m'],
    ['payments-secondary', '10m'],
  ]);
  await policy('weekend-first', [
    ['weekends', '5m'],
    ['payments-secondary', '5m'],
  ]);
  await policy('weekends-only', [['weekends', '5m']], 2);
  await policy('primary-twice', [['payments-primary', '5m']], 1);
  const service = (name: string, escalationPolicy: string) => api.put(`/services/${TENANT}/${name}`, { escalation_policy: escalationPolicy, slack_channel: 'C0PAY' }).expect(201);
  await service('payments', 'payments-escalation');
  await service('checkout', 'weekend-first');
  await service('weekend-batch', 'weekends-only');
  await service('ledger', 'primary-twice');
});
afterAll(() => paging.close());
beforeEach(() => {
  clock.set(START);
  paging.twilio.reset();
});

const raise = (body: Record<string, unknown>) => paging.raise({ tenant_id: TENANT, message: 'payments are failing', severity: 'high', ...body });
const messagedTo = (person: string) => succeeded(paging.twilio.messages()).filter((m) => m.form.To === `whatsapp:${PHONES[person]}`);
const pagedPeople = async (alertId: string) => [...new Set((await paging.deliveries(alertId)).flatMap((d) => (d.slackUserId ? [d.slackUserId] : [])))].sort();
const events = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;
const stepEvents = async (alertId: string) =>
  (await events(alertId)).filter((e) => e.kind.startsWith('escalation.')).map((e) => (e.kind === 'escalation.step' ? [e.data.step, e.data.pass, e.data.paged, e.data.nobody_on_call] : [e.data.reason]));
const escalationJob = async (alertId: string) => (await findJobs(paging.db, [escalationJobKey(alertId)])).find((job) => !job.failedForGood) ?? null;
const current = async (alertId: string) => (await request(paging.app).get(`/alerts/${alertId}`).set('x-service-key', SERVICE_KEY).expect(200)).body as AlertDto;
/** Every delivery of the alert has reached a final state: nothing more will be sent for what was planned. */
const settled = (alertId: string) => paging.eventually(() => paging.deliveries(alertId), (ds) => ds.every((d) => ['sent', 'failed', 'cancelled'].includes(d.status)));

/** Moves the clock to the alert's pending escalation and runs that step as its job would. */
async function escalateWhenDue(alertId: string, afterMs: number): Promise<void> {
  const job = await escalationJob(alertId);
  if (!job) throw new Error(`no escalation is scheduled for ${alertId}`);
  expect(job.runAt).toEqual(new Date(clock.now().getTime() + afterMs));
  clock.set(job.runAt);
  expect(await takeWaitingJob(paging.db, escalationJobKey(alertId))).toBe(true);
  await paging.backend.escalations.escalate(alertId, (await lastEscalatedRound(paging.db, alertId)) + 1);
}

describe('POST /alert {service}', () => {
  it('pages only the person on call, in the service’s channel, and says who and why', async () => {
    const alert = await raise({ service: 'payments' });
    expect(alert.targets.map((t) => t.slack_user_id)).toEqual(['U0JANE']);
    expect(alert.slack).toEqual({ channel_id: 'C0PAY', user_id: null });
    expect(alert.escalation).toEqual({
      service: 'payments',
      policy: 'payments-escalation',
      step: 1,
      of: 2,
      pass: 1,
      passes: 1,
      paged: [{ person: 'U0JANE', via: 'payments-primary' }],
      nobody_on_call: [],
      ended: null,
    });
    await settled(alert.id);
    expect(await pagedPeople(alert.id)).toEqual(['U0JANE']);
    expect(messagedTo('U0JANE')).toHaveLength(1);
    expect(await stepEvents(alert.id)).toEqual([[1, 1, [{ person: 'U0JANE', via: 'payments-primary' }], []]]);
  });

  it('pages step 2’s person after escalate_after when nobody acknowledged, then tells the channel once', async () => {
    const alert = await raise({ service: 'payments' });
    await settled(alert.id);
    await escalateWhenDue(alert.id, 10 * MINUTE);
    await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${PHONES.U0BOB}`);
    expect((await current(alert.id)).escalation).toMatchObject({ step: 2, of: 2, paged: [{ person: 'U0BOB', via: 'payments-secondary' }], ended: null });
    expect((await current(alert.id)).targets.map((t) => t.slack_user_id)).toEqual(['U0JANE', 'U0BOB']);

    await escalateWhenDue(alert.id, 10 * MINUTE);
    const reminder = await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes(`#${alert.number} (high) is still not acknowledged`), 10_000);
    expect(reminder.args).toMatchObject({ channel: 'C0PAY' });
    expect(await escalationJob(alert.id)).toBeNull();
    expect(await stepEvents(alert.id)).toEqual([
      [1, 1, [{ person: 'U0JANE', via: 'payments-primary' }], []],
      [2, 1, [{ person: 'U0BOB', via: 'payments-secondary' }], []],
      ['unacknowledged'],
    ]);
    expect((await current(alert.id)).escalation?.ended).toBe('unacknowledged');
    // A late run of the ended escalation changes nothing.
    await paging.backend.escalations.escalate(alert.id, 2);
    expect((await stepEvents(alert.id)).length).toBe(3);
  });

  it('pages nobody else once acknowledged: the step is unscheduled, and a late run does nothing', async () => {
    const alert = await raise({ service: 'payments' });
    await settled(alert.id);
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0JANE' }).expect(200);
    expect(await escalationJob(alert.id)).toBeNull();
    clock.advance(10 * MINUTE);
    await paging.backend.escalations.escalate(alert.id, 1);
    expect(await pagedPeople(alert.id)).toEqual(['U0JANE']);
    expect((await stepEvents(alert.id)).length).toBe(1);
  });

  it('pages whoever an override puts on call', async () => {
    const override = await api.post(`/schedules/${TENANT}/payments-primary/overrides`, { person: 'U0JOE', start: '2026-12-09T11:00:00Z', end: '2026-12-09T13:00:00Z' }).expect(201);
    const alert = await raise({ service: 'payments' });
    expect(alert.escalation?.paged).toEqual([{ person: 'U0JOE', via: 'payments-primary' }]);
    await settled(alert.id);
    expect(await pagedPeople(alert.id)).toEqual(['U0JOE']);
    await request(paging.app).delete(`/schedules/${TENANT}/payments-primary/overrides/${override.body.id as string}`).set('x-service-key', SERVICE_KEY).expect(204);
  });

  it('says a step found nobody on call and moves to the next at once', async () => {
    const alert = await raise({ service: 'checkout' });
    expect(alert.escalation).toMatchObject({ step: 2, of: 2, paged: [{ person: 'U0BOB', via: 'payments-secondary' }] });
    await settled(alert.id);
    expect(await pagedPeople(alert.id)).toEqual(['U0BOB']);
    // Bob's pages are step 2's: pressing 2 on them passes on from step 2.
    expect((await paging.deliveries(alert.id)).map((d) => d.round)).toEqual([1]);
    expect(await stepEvents(alert.id)).toEqual([
      [1, 1, [], ['weekends']],
      [2, 1, [{ person: 'U0BOB', via: 'payments-secondary' }], []],
    ]);
    // The next wait is step 2's.
    expect((await escalationJob(alert.id))?.runAt).toEqual(new Date(START.getTime() + 5 * MINUTE));
  });

  it('stops after a whole pass finds nobody on call, instead of looping through the repeats', async () => {
    const alert = await raise({ service: 'weekend-batch' });
    expect(alert.targets).toEqual([]);
    expect(alert.escalation).toMatchObject({ step: 1, of: 1, pass: 1, passes: 3, paged: [], nobody_on_call: ['weekends'], ended: 'nobody_on_call' });
    expect(await stepEvents(alert.id)).toEqual([[1, 1, [], ['weekends']], ['nobody_on_call']]);
    expect(await escalationJob(alert.id)).toBeNull();
  });

  it('runs the steps again `repeat` times, then tells the channel once', async () => {
    const alert = await raise({ service: 'ledger' });
    await settled(alert.id);
    await escalateWhenDue(alert.id, 5 * MINUTE);
    await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${PHONES.U0JANE}` && messagedTo('U0JANE').length === 2);
    expect((await current(alert.id)).escalation).toMatchObject({ step: 1, pass: 2, passes: 2 });
    await escalateWhenDue(alert.id, 5 * MINUTE);
    await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes(`#${alert.number} (high) is still not acknowledged`), 10_000);
    expect(await stepEvents(alert.id)).toEqual([
      [1, 1, [{ person: 'U0JANE', via: 'payments-primary' }], []],
      [1, 2, [{ person: 'U0JANE', via: 'payments-primary' }], []],
      ['unacknowledged'],
    ]);
    await settled(alert.id);
    const reminders = paging.slack.calls.filter((call) => call.method === 'chat.postMessage' && String(call.args.text).includes(`#${alert.number} (high) is still not acknowledged`));
    expect(reminders).toHaveLength(1);
  });

  it('pages named targets with the service’s step 1', async () => {
    const alert = await raise({ service: 'payments', targets: [{ slack_user_id: 'U0LEAD' }] });
    expect(alert.targets.map((t) => t.slack_user_id)).toEqual(['U0LEAD', 'U0JANE']);
    await settled(alert.id);
    expect(await pagedPeople(alert.id)).toEqual(['U0JANE', 'U0LEAD']);
  });

  it('keeps the policy it was raised with when the policy changes', async () => {
    const alert = await raise({ service: 'payments' });
    await api.put(`/escalation-policies/${TENANT}/payments-escalation`, { steps: [{ targets: [{ person: 'U0LEAD' }], escalate_after: '1m' }] }).expect(200);
    await settled(alert.id);
    await escalateWhenDue(alert.id, 10 * MINUTE);
    expect((await current(alert.id)).escalation).toMatchObject({ step: 2, of: 2, paged: [{ person: 'U0BOB', via: 'payments-secondary' }] });
    await api
      .put(`/escalation-policies/${TENANT}/payments-escalation`, {
        steps: [
          { targets: [{ schedule: 'payments-primary' }], escalate_after: '10m' },
          { targets: [{ schedule: 'payments-secondary' }], escalate_after: '10m' },
        ],
      })
      .expect(200);
  });

  it('refuses an unknown service, and a raise naming neither targets nor service, with 422s naming the field', async () => {
    const unknown = await api.post('/alert', { tenant_id: TENANT, message: 'x', service: 'nope' }).expect(422);
    expect(unknown.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(/^service: .*"nope"/) });
    const neither = await api.post('/alert', { tenant_id: TENANT, message: 'x' }).expect(422);
    expect(neither.body.detail).toMatch(/^targets: name targets, a service, or both/);
    const badName = await api.post('/alert', { tenant_id: TENANT, message: 'x', service: 'Payments!' }).expect(422);
    expect(badName.body.detail).toMatch(/^service: /);
  });
});

describe('passing a page on to the next step', () => {
  /** A webhook as the gateway forwards it (the form fields as JSON). */
  const forward = (path: string, fields: Record<string, string>) => request(paging.app).post(path).set('x-service-key', SERVICE_KEY).send(fields).expect(200);
  const bobPaged = async (alertId: string) => (await paging.deliveries(alertId)).filter((d) => d.slackUserId === 'U0BOB');

  it('fires the next step at once on a reply `pass N-CODE`, once however often it is sent, and the timer then does nothing', async () => {
    const alert = await raise({ service: 'payments' });
    const page = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${PHONES.U0JANE}`);
    await settled(alert.id);
    const code = new RegExp(`reply "ack ${alert.number}-([A-Z0-9]{2})"`).exec(page.form.Body ?? '')?.[1];
    const pass = (body: string) => forward('/twilio/inbound', { MessageSid: `SM${alert.number}${body.length}`.padEnd(34, '0'), From: PHONES.U0JANE!, To: TWILIO.smsFrom, Body: body });

    expect((await pass(`pass ${alert.number}-${code}`)).text).toContain(`#${alert.number} passed on: paging the next step now.`);
    expect((await pass(`Pass #${alert.number} ${code}`)).text).toContain(`#${alert.number} was passed on already. Nothing changed.`);
    await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${PHONES.U0BOB}`);
    // The next wait is from the pass, not from the raise: the step that passed is over.
    expect((await escalationJob(alert.id))?.runAt).toEqual(new Date(START.getTime() + 10 * MINUTE));
    await paging.backend.escalations.escalate(alert.id, 1);
    expect(await bobPaged(alert.id)).toHaveLength(1);
    expect((await stepEvents(alert.id)).map((e) => e[0])).toEqual([1, 2]);
    const notice = await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes('passed'), 10_000);
    expect(notice.args.text).toBe(`↪️ <@U0JANE> passed #${alert.number} on by SMS reply: paging the next step now.`);
  });

  it('fires the next step at once on keypress 2, once for two presses', async () => {
    const alert = await raise({ service: 'payments', severity: 'critical' });
    await settled(alert.id);
    const call = (await paging.deliveries(alert.id)).find((d) => d.channel === 'voice' && d.slackUserId === 'U0JANE')!;
    for (let press = 0; press < 2; press++) {
      const res = await forward(`/twilio/keypress/${call.id}`, { CallSid: `CA${press}`.padEnd(34, '0'), Digits: '2' });
      expect(res.text).toContain(`Passing alert ${alert.number} to the next person.`);
    }
    await settled(alert.id);
    expect((await bobPaged(alert.id)).map((d) => d.channel).sort()).toEqual(['voice', 'whatsapp']);
    expect(await stepEvents(alert.id)).toEqual([
      [1, 1, [{ person: 'U0JANE', via: 'payments-primary' }], []],
      [2, 1, [{ person: 'U0BOB', via: 'payments-secondary' }], []],
    ]);
  });
});

describe('Alertmanager paging a service', () => {
  let fingerprints = 0;
  const webhook = (alerts: Array<{ labels: Record<string, string> }>) => ({
    version: '4',
    groupKey: '{}:{alertname="Payments"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'team-payments',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.invalid:9093',
    alerts: alerts.map((a) => ({ status: 'firing', annotations: {}, startsAt: '2026-12-09T12:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `svc-${++fingerprints}`, ...a })),
  });
  const post = (query: string, body: object) => request(paging.app).post(`/integrations/alertmanager?tenant_id=${TENANT}${query}`).set('authorization', `Bearer ${SERVICE_KEY}`).send(body);

  it('pages the on-call person of the service its `service` label names, and only them; an unknown one is reported for that alert only', async () => {
    const res = await post('', webhook([{ labels: { alertname: 'Payments', severity: 'error', service: 'payments' } }, { labels: { alertname: 'Other', service: 'nope', page: 'U0LEAD' } }])).expect(200);
    expect(res.body.raised).toHaveLength(2);
    const [payments, other] = res.body.raised as Array<{ alert_id: string }>;
    expect((await current(payments!.alert_id)).escalation).toMatchObject({ service: 'payments', step: 1, paged: [{ person: 'U0JANE', via: 'payments-primary' }] });
    expect((await current(other!.alert_id)).escalation).toBeNull();
    expect(res.body.problems).toEqual([{ index: 1, fingerprint: expect.any(String), field: 'labels.service', reason: `tenant ${TENANT} has no service "nope"`, alert_id: other!.alert_id, number: expect.any(Number), paged: true }]);
    await settled(payments!.alert_id);
    expect(await pagedPeople(payments!.alert_id)).toEqual(['U0JANE']);
    expect(await pagedPeople(other!.alert_id)).toEqual(['U0LEAD']);

    // Not acknowledged: step 2's person after escalate_after.
    await escalateWhenDue(payments!.alert_id, 10 * MINUTE);
    await settled(payments!.alert_id);
    expect(await pagedPeople(payments!.alert_id)).toEqual(['U0BOB', 'U0JANE']);
  });

  it('pages the receiver URL’s `&service=` over the labels, and refuses an unknown one with a 422 naming `service`', async () => {
    const res = await post('&service=payments', webhook([{ labels: { alertname: 'Ledger', service: 'ledger', page: 'U0LEAD' } }])).expect(200);
    const alert = await current((res.body.raised as Array<{ alert_id: string }>)[0]!.alert_id);
    expect(alert.escalation).toMatchObject({ service: 'payments', paged: [{ person: 'U0JANE', via: 'payments-primary' }] });
    expect(alert.targets.map((t) => t.slack_user_id)).toEqual(['U0JANE']);

    const refused = await post('&service=nope', webhook([{ labels: { alertname: 'X' } }])).expect(422);
    expect(refused.body.detail).toMatch(/^service: tenant T0SVCPAGE has no service "nope"/);
  });
});

describe('a migration while the backend runs (a rolling deploy)', () => {
  // A raise for a service reads its policy, its maintenance window and its schedules through prepared statements
  // (db/database.ts): they name their columns, so a newer release's migration adding one does not break them.
  const ADDED = ['services', 'escalation_policies', 'service_maintenance', 'schedules', 'schedule_overrides'];
  afterAll(() => paging.db.none(ADDED.map((table) => `ALTER TABLE ${table} DROP COLUMN IF EXISTS added_by_a_newer_release`).join('; ')));

  it('pages the person on call as before after columns are added to the tables a service raise reads', async () => {
    // Several raises first, so the statements are prepared (and past their first plans) on the pooled connections.
    for (let n = 1; n <= 6; n++) expect((await raise({ service: 'payments' })).targets.map((t) => t.slack_user_id)).toEqual(['U0JANE']);
    await paging.db.none(ADDED.map((table) => `ALTER TABLE ${table} ADD COLUMN added_by_a_newer_release integer`).join('; '));
    for (let n = 1; n <= 3; n++) expect((await raise({ service: 'payments' })).targets.map((t) => t.slack_user_id)).toEqual(['U0JANE']);
  });
});
