import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import { lastEscalatedRound } from '../../src/alerts/alert-event.repository';
import { escalationJobKey } from '../../src/jobs/job-queue';
import { findJobs, takeWaitingJob } from '../../src/jobs/keyed-jobs.repository';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// The policy as shipped (5 min, 3 rounds) on a clock the test moves: no test waits for an escalation.
// Each round is run as its job would run it (the service behind the job), once the clock says it is due,
// after checking the job is scheduled for exactly then.
const ESCALATE_AFTER_MS = 5 * 60_000;
const clock = new MovableClock();
let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness({ notify: { escalateAfterMs: ESCALATE_AFTER_MS, escalationRounds: 1 }, overrides: { clock } });
});
afterAll(() => paging.close());
beforeEach(() => paging.twilio.reset());

const callsTo = (phone: string) => succeeded(paging.twilio.calls()).filter((c) => c.form.To === phone);
const events = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;
/** The alert's escalation job that is still to run, if any. */
const escalationJob = async (alertId: string) => (await findJobs(paging.db, [escalationJobKey(alertId)])).find((job) => !job.failedForGood) ?? null;
/** Every delivery of the alert has reached a final state: nothing more will be sent for what was planned. */
const settled = (alertId: string) => paging.eventually(() => paging.deliveries(alertId), (ds) => ds.every((d) => ['sent', 'failed', 'cancelled'].includes(d.status)));

/** Moves the clock to the alert's pending escalation and runs that round as its job would. */
async function escalateWhenDue(alertId: string): Promise<number> {
  const job = await escalationJob(alertId);
  if (!job) throw new Error(`no escalation is scheduled for ${alertId}`);
  clock.set(job.runAt);
  // Taken from the queue as the job runner takes it, then run by the service behind the job: the round after
  // the last one the alert's events show.
  expect(await takeWaitingJob(paging.db, escalationJobKey(alertId))).toBe(true);
  const round = (await lastEscalatedRound(paging.db, alertId)) + 1;
  await paging.backend.escalations.escalate(alertId, round);
  return round;
}

describe('escalation', () => {
  it('calls again once ESCALATE_AFTER has passed unacknowledged, then tells the Slack channel, then stops', async () => {
    const raisedAt = clock.now();
    const alert = await paging.raise({
      tenant_id: 'T-ESC',
      message: 'payments down',
      severity: 'critical',
      targets: [{ phone: '+14155550111' }],
      slack: { channel_id: 'C0ESC', user_id: 'U0CALLER' },
    });
    await settled(alert.id);
    expect(callsTo('+14155550111')).toHaveLength(1);
    expect((await escalationJob(alert.id))?.runAt).toEqual(new Date(raisedAt.getTime() + ESCALATE_AFTER_MS));

    expect(await escalateWhenDue(alert.id)).toBe(1);
    await paging.twilio.waitForCall((c) => c.form.To === '+14155550111' && callsTo('+14155550111').length === 2);
    expect(await escalateWhenDue(alert.id)).toBe(2);
    const reminder = await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes('still not acknowledged'), 10_000);
    expect(reminder.args).toMatchObject({ channel: 'C0ESC', text: expect.stringContaining(`#${alert.number} (critical)`) });

    const rounds = (await events(alert.id)).filter((e) => e.kind === 'escalated').map((e) => [e.data.round, e.data.channels, e.data.tell_channel]);
    expect(rounds).toEqual([
      [1, ['voice'], false],
      [2, [], true],
    ]);
    // Rounds are over: no escalation is scheduled any more, and every planned page has gone out.
    expect(await escalationJob(alert.id)).toBeNull();
    await settled(alert.id);
    expect(callsTo('+14155550111')).toHaveLength(2);
  });

  it('does nothing once the alert is acknowledged: the escalation is unscheduled and a late run changes nothing', async () => {
    const alert = await paging.raise({ tenant_id: 'T-ESC-ACK', message: 'cpu', severity: 'critical', targets: [{ phone: '+14155550112' }] });
    await paging.twilio.waitForCall((c) => c.form.To === '+14155550112');
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0ACK' }).expect(200);
    expect(await escalationJob(alert.id)).toBeNull();

    clock.advance(ESCALATE_AFTER_MS);
    await paging.backend.escalations.escalate(alert.id, 1);
    expect((await events(alert.id)).map((e) => e.kind)).not.toContain('escalated');
    expect((await paging.deliveries(alert.id)).map((d) => d.channel).sort()).toEqual(['voice', 'whatsapp']);
  });

  it('calls a high alert at the first escalation (WhatsApp only at once)', async () => {
    const alert = await paging.raise({ tenant_id: 'T-ESC-HIGH', message: 'latency', severity: 'high', targets: [{ phone: '+14155550113' }] });
    await settled(alert.id);
    expect(succeeded(paging.twilio.messages()).map((m) => m.form.To)).toEqual(['whatsapp:+14155550113']);
    expect(callsTo('+14155550113')).toHaveLength(0);
    await escalateWhenDue(alert.id);
    await paging.twilio.waitForCall((c) => c.form.To === '+14155550113');
  });

  it('never calls someone who accepts no calls: the round with nobody to call says so in the channel, and escalation ends', async () => {
    await request(paging.app).put('/contacts/T-ESC-NOVOICE/U0NOVOICE').set('x-service-key', SERVICE_KEY).send({ phone: '+14155550114', channels: ['whatsapp', 'sms'] }).expect(200);
    const alert = await paging.raise({
      tenant_id: 'T-ESC-NOVOICE',
      message: 'disk full',
      severity: 'critical',
      targets: [{ slack_user_id: 'U0NOVOICE' }],
      slack: { channel_id: 'C0NOVOICE', user_id: 'U0CALLER' },
    });
    expect(alert.targets[0]).toMatchObject({ status: 'paging', channels: ['whatsapp'] });
    await settled(alert.id);

    await escalateWhenDue(alert.id);
    const notice = await paging.slack.waitForCall('chat.postMessage', (call) => String(call.args.text).includes('nobody to page'), 10_000);
    expect(notice.args.text).toContain(`#${alert.number} is still not acknowledged and escalation round 1 has nobody to page by call`);
    expect(await escalationJob(alert.id)).toBeNull();
    await settled(alert.id);
    expect((await paging.deliveries(alert.id)).map((d) => d.channel)).not.toContain('voice');
    expect(callsTo('+14155550114')).toHaveLength(0);
    expect((await events(alert.id)).filter((e) => e.kind === 'escalated').map((e) => e.data.nobody_to_page)).toEqual([true]);
  });
});
