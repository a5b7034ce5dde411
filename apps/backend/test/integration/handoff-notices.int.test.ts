import request from 'supertest';
import { createLogger } from '@klaxon/logger';
import { PassThrough } from 'node:stream';
import { MovableClock } from '@klaxon/testing';
import { handoffNoticeJobKey, type JobPayloads } from '../../src/jobs/job-queue';
import type { JobFinished } from '../../src/jobs/job-runner';
import { findJobs, takeWaitingJob } from '../../src/jobs/keyed-jobs.repository';
import type { PlannedNotice } from '../../src/oncall/handoff-notices';
import type { NotificationWorker } from '../../src/notify/notification-worker';
import type { Backend } from '../../src/backend';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { buildApp, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { eventually } from './paging-harness';

// Hand-off notices through the real backend: the planner run as its timer runs it (plan()), the notices' jobs
// run by the real worker on a real PostgreSQL, the DMs sent through the real Slack SDK to the fake Slack. Time
// is a MovableClock the test moves across hand-offs; a job is waited for by its `finished` event.

const TENANT = 'T0HANDOFF';
const clock = new MovableClock(new Date('2026-12-13T06:00:00Z'));

let harness: BackendHarness;
let worker: NotificationWorker;
const finished: JobFinished[] = [];
beforeAll(async () => {
  harness = await startBackendHarness({ overrides: { clock } });
  worker = await harness.backend.startWorker();
  worker.events.on('finished', (job) => finished.push(job));
});
afterAll(() => harness.close());

const api = {
  put: (url: string, body: object) => request(harness.app).put(url).set('x-service-key', SERVICE_KEY).send(body),
  post: (url: string, body: object) => request(harness.app).post(url).set('x-service-key', SERVICE_KEY).send(body),
};
const payloadOf = (notice: PlannedNotice): JobPayloads['handoff-notice'] => ({ scheduleId: notice.scheduleId, person: notice.person, start: notice.start.toISOString(), kind: notice.kind });
const keyOf = (notice: PlannedNotice) => handoffNoticeJobKey(payloadOf(notice));

/** A schedule of the test tenant, by name; its id, for picking its notices out of a plan of every schedule. */
async function schedule(name: string, body: object): Promise<string> {
  await api.put(`/schedules/${TENANT}/${name}`, body).expect(201);
  return (await harness.db.one<{ id: string }>('SELECT id FROM schedules WHERE tenant_id = $1 AND name = $2', [TENANT, name])).id;
}

/** Plans as the backend's timer does, at the clock's now; the notices it queued for this schedule. */
async function plan(scheduleId: string, on: Backend = harness.backend): Promise<PlannedNotice[]> {
  return (await on.handoffs.plan()).filter((notice) => notice.scheduleId === scheduleId);
}

/** Waits for the worker to have run the job of each notice (its `finished` event), and checks none failed. */
async function ran(notices: readonly PlannedNotice[]): Promise<void> {
  const keys = notices.map(keyOf);
  const runs = await eventually(
    async () => finished.filter((job) => job.task === 'handoff-notice' && keys.includes(handoffNoticeJobKey(job.payload as JobPayloads['handoff-notice']))),
    (jobs) => keys.every((key) => jobs.some((job) => handoffNoticeJobKey(job.payload as JobPayloads['handoff-notice']) === key)),
  );
  expect(runs.map((job) => job.error)).toEqual(runs.map(() => null));
}

const summary = (notices: readonly PlannedNotice[]) => notices.map((n) => [n.person, n.kind, n.start.toISOString(), n.due.toISOString()]);

describe('hand-off notices', () => {
  it('tells the person a day before and when their shift starts, once each, naming the services that page the schedule', async () => {
    const id = await schedule('payments-primary', { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: '1w', handoff: '2026-12-07T09:00' }] });
    await api.put(`/escalation-policies/${TENANT}/payments-escalation`, { steps: [{ targets: [{ schedule: 'payments-primary' }], escalate_after: '10m' }] }).expect(201);
    await api.put(`/services/${TENANT}/payments`, { escalation_policy: 'payments-escalation' }).expect(201);

    // Ben takes over on Monday at 09:00 Berlin (08:00 UTC). Ten minutes before the day-before notice is due,
    // its job is queued to run then: planned again, it is the same one job.
    clock.set(new Date('2026-12-13T07:50:00Z'));
    expect(summary(await plan(id))).toEqual([['U0BEN', 'day_before', '2026-12-14T08:00:00.000Z', '2026-12-13T08:00:00.000Z']]);
    const [dayBefore] = await plan(id);
    expect(await findJobs(harness.db, [keyOf(dayBefore!)])).toEqual([expect.objectContaining({ task: 'handoff-notice', locked: false })]);
    expect(harness.slack.directMessagesTo('U0BEN')).toEqual([]);

    // Its moment: the plan finds it due now, and the job runs at once.
    clock.set(new Date('2026-12-13T08:00:00Z'));
    const due = await plan(id);
    await ran(due);
    expect(harness.slack.directMessagesTo('U0BEN')).toEqual(['Tomorrow you’re on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin.']);
    expect(harness.slack.callsTo('conversations.open').map((call) => call.args.users)).toEqual(['U0BEN']);

    // Later plans leave a sent notice alone.
    clock.set(new Date('2026-12-13T08:30:00Z'));
    expect(await plan(id)).toEqual([]);

    // Across the hand-off: the shift's own notice, once, however often the clock moves on and plans run.
    clock.set(new Date('2026-12-14T07:58:00Z'));
    expect(summary(await plan(id))).toEqual([['U0BEN', 'start', '2026-12-14T08:00:00.000Z', '2026-12-14T08:00:00.000Z']]);
    clock.set(new Date('2026-12-14T08:00:00Z'));
    await ran(await plan(id));
    for (const minutes of [5, 20, 59]) {
      clock.set(new Date(Date.parse('2026-12-14T08:00:00Z') + minutes * 60_000));
      expect(await plan(id)).toEqual([]);
    }
    expect(harness.slack.directMessagesTo('U0BEN')).toEqual([
      'Tomorrow you’re on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin.',
      'You’re on call for payments from Mon 09:00 to Mon 09:00 Europe/Berlin.',
    ]);
    // Anna, whose shift ended, is told nothing.
    expect(harness.slack.directMessagesTo('U0ANNA')).toEqual([]);
  });

  it('tells whoever an override puts on call, not the person it replaced, whose queued notice then sends nothing', async () => {
    // Daily in UTC: Dan on 15 December from 09:00, Eva on the 16th.
    const id = await schedule('search', { time_zone: 'UTC', layers: [{ name: 'daily', members: ['U0DAN', 'U0EVA'], shift: '1d', handoff: '2026-12-07T09:00' }] });
    clock.set(new Date('2026-12-15T08:55:00Z'));
    const before = await plan(id);
    expect(summary(before)).toEqual([
      ['U0DAN', 'start', '2026-12-15T09:00:00.000Z', '2026-12-15T09:00:00.000Z'],
      ['U0EVA', 'day_before', '2026-12-16T09:00:00.000Z', '2026-12-15T09:00:00.000Z'],
    ]);

    // Fred covers Dan's day, decided five minutes before it starts.
    await api.post(`/schedules/${TENANT}/search/overrides`, { person: 'U0FRED', start: '2026-12-15T09:00:00Z', end: '2026-12-16T09:00:00Z' }).expect(201);
    clock.set(new Date('2026-12-15T09:00:00Z'));
    const after = await plan(id);
    expect(summary(after)).toEqual([
      ['U0FRED', 'start', '2026-12-15T09:00:00.000Z', '2026-12-15T09:00:00.000Z'],
      ['U0EVA', 'day_before', '2026-12-16T09:00:00.000Z', '2026-12-15T09:00:00.000Z'],
    ]);
    await ran(after);
    expect(harness.slack.directMessagesTo('U0FRED')).toEqual(['You’re on call for the search schedule from Tue 09:00 to Wed 09:00 UTC.']);
    expect(harness.slack.directMessagesTo('U0EVA')).toEqual(['Tomorrow you’re on call for the search schedule from Wed 09:00 to Thu 09:00 UTC.']);

    // Dan's job, queued before the override, still waits for its moment: run as the worker would run it, it
    // finds the hand-off gone and sends nothing.
    const stale = before.find((notice) => notice.person === 'U0DAN')!;
    expect(await takeWaitingJob(harness.db, keyOf(stale))).toBe(true);
    expect(await harness.backend.handoffs.send(payloadOf(stale))).toBe('not_sent');
    expect(harness.slack.directMessagesTo('U0DAN')).toEqual([]);
  });

  describe('with a second backend on the same database (a restart, or scale-out)', () => {
    let db: Database;
    let second: Backend;
    beforeAll(async () => {
      db = createDatabase({ url: harness.database.url, poolSize: 3, applicationName: 'klaxon-test-second' });
      second = buildApp(db, createLogger({ service: 'backend', format: 'json', stream: new PassThrough() }), harness.config, {}, { clock });
    });
    afterAll(async () => {
      await second.close();
      await closeDatabase(db);
    });

    it('sends a notice once: a new backend plans nothing sent, and a duplicate job sends nothing', async () => {
      const id = await schedule('billing', { time_zone: 'UTC', layers: [{ name: 'weekly', members: ['U0GIL', 'U0HAL'], shift: '1w', handoff: '2026-12-07T10:00' }] });
      clock.set(new Date('2026-12-14T10:00:00Z'));
      const sent = await plan(id);
      expect(summary(sent)).toEqual([['U0HAL', 'start', '2026-12-14T10:00:00.000Z', '2026-12-14T10:00:00.000Z']]);
      await ran(sent);
      expect(harness.slack.directMessagesTo('U0HAL')).toHaveLength(1);

      // The second backend starts its worker, which plans at once: nothing, the notice was sent.
      await second.startWorker();
      expect(await plan(id, second)).toEqual([]);
      // A copy of the job (one re-added while the first ran) claims nothing and sends nothing.
      expect(await second.handoffs.send(payloadOf(sent[0]!))).toBe('not_sent');
      expect(harness.slack.directMessagesTo('U0HAL')).toHaveLength(1);
    });

    it('sends a notice once when both backends plan it and both run it at the same moment', async () => {
      const id = (await harness.db.one<{ id: string }>('SELECT id FROM schedules WHERE name = $1', ['billing'])).id;
      clock.set(new Date('2026-12-21T10:00:00Z'));
      const [first, again] = await Promise.all([plan(id), plan(id, second)]);
      expect(summary(first)).toEqual([['U0GIL', 'start', '2026-12-21T10:00:00.000Z', '2026-12-21T10:00:00.000Z']]);
      expect(again).toEqual(first);
      // Besides the queued job(s), both backends try it directly, at once: one claim wins.
      const outcomes = await Promise.all([harness.backend.handoffs.send(payloadOf(first[0]!)), second.handoffs.send(payloadOf(first[0]!))]);
      // Nothing else happens: every job for the notice has run and left the queue.
      await eventually(() => findJobs(harness.db, [keyOf(first[0]!)]), (jobs) => jobs.length === 0);
      expect(harness.slack.directMessagesTo('U0GIL')).toEqual(['You’re on call for the billing schedule from Mon 10:00 to Mon 10:00 UTC.']);
      expect(outcomes.filter((outcome) => outcome === 'sent').length).toBeLessThanOrEqual(1);
    });
  });

  it('retries a notice that failed for now, and records one Slack refuses for good without trying it again', async () => {
    const id = await schedule('refused', { time_zone: 'UTC', layers: [{ name: 'daily', members: ['U0IDA', 'U0GONE', 'U0JO'], shift: '1d', handoff: '2026-12-07T11:00' }] });
    harness.slack.setUser('U0GONE', { deleted: true });
    // 23 December 11:00: U0GONE's day (day 16 of the rota, counted from 0), and a day before U0JO's.
    clock.set(new Date('2026-12-23T10:50:00Z'));
    const ahead = await plan(id);
    expect(summary(ahead)).toEqual([
      ['U0GONE', 'start', '2026-12-23T11:00:00.000Z', '2026-12-23T11:00:00.000Z'],
      ['U0JO', 'day_before', '2026-12-24T11:00:00.000Z', '2026-12-23T11:00:00.000Z'],
    ]);

    // Slack fails both of the client's tries: the attempt throws (the job will be retried) and leaves the
    // notice free, so the next attempt sends it.
    const jo = ahead[1]!;
    expect(await takeWaitingJob(harness.db, keyOf(jo))).toBe(true);
    clock.set(new Date('2026-12-23T11:00:00Z'));
    harness.slack.failMethodWithStatus('chat.postMessage', 503, { times: 2 });
    await expect(harness.backend.handoffs.send(payloadOf(jo))).rejects.toMatchObject({ kind: 'transient' });
    expect(harness.slack.directMessagesTo('U0JO')).toEqual([]);
    expect(await harness.backend.handoffs.send(payloadOf(jo))).toBe('sent');
    expect(harness.slack.directMessagesTo('U0JO')).toEqual(['Tomorrow you’re on call for the refused schedule from Thu 11:00 to Fri 11:00 UTC.']);

    // A deactivated account cannot be written to: recorded as refused, and never planned again.
    const due = await plan(id);
    expect(summary(due)).toEqual([['U0GONE', 'start', '2026-12-23T11:00:00.000Z', '2026-12-23T11:00:00.000Z']]);
    await ran(due);
    expect(await harness.db.one('SELECT state, error FROM handoff_notices WHERE schedule_id = $1 AND person = $2', [id, 'U0GONE'])).toEqual({ state: 'failed', error: 'user_disabled' });
    expect(await plan(id)).toEqual([]);
    expect(harness.slack.directMessagesTo('U0GONE')).toEqual([]);
  });
});
