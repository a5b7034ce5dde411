import { MovableClock } from '@klaxon/testing';
import { addJob, deliveryJobKey, type JobPayloads } from '../../src/jobs/job-queue';
import { startJobRunner, type JobRunner, type TaskList } from '../../src/jobs/job-runner';
import { findJobs } from '../../src/jobs/keyed-jobs.repository';
import { insertDeliveries } from '../../src/notify/delivery.repository';
import { startPagingBackend, succeeded, type PagingHarness } from './paging-harness';

// A queued delivery whose job is gone gets one back from the sweeper, once. The lost jobs are made by a real
// job runner that goes wrong (an attempt that fails with no attempts left, and one that stops in the middle
// of its job holding the lock, as a worker killed mid-job leaves it); the grace period passes by moving the
// clock, and sweeps run explicitly.
const GRACE_MS = 60_000;
const clock = new MovableClock();
let paging: Omit<PagingHarness, 'worker'>;
let faulty: JobRunner | null = null;
let releaseStopped = (): void => undefined;

beforeAll(async () => {
  paging = await startPagingBackend({ sweeper: { sweepIntervalMs: 3_600_000, orphanGraceMs: GRACE_MS }, overrides: { clock } });
});
afterAll(async () => {
  releaseStopped();
  await faulty?.stop();
  await paging.close();
});

/**
 * The backend's tasks, except that the first attempt on `failing` throws and the first on `stopping` never
 * gets further than taking its job (until the end of the test); `stopped` says when it got there.
 */
function faultyTasks(failing: string, stopping: string, stopped: () => void): TaskList {
  const once = new Set<string>();
  const held = new Promise<void>((resolve) => (releaseStopped = resolve));
  return {
    deliver: async (payload) => {
      const { deliveryId } = payload as JobPayloads['deliver'];
      const first = !once.has(deliveryId);
      once.add(deliveryId);
      if (first && deliveryId === failing) throw new Error('test: this attempt fails');
      if (first && deliveryId === stopping) {
        stopped();
        return held;
      }
      return paging.backend.sender.deliver(deliveryId);
    },
    escalate: async () => undefined,
    'slack-message': async () => undefined,
    'pagerduty-event': async () => undefined,
    'handoff-notice': async () => undefined,
  };
}

const jobOf = async (deliveryId: string) => (await findJobs(paging.db, [deliveryJobKey(deliveryId)]))[0] ?? null;
const nothingSwept = { recordedLate: 0, settled: 0, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 };

describe('a queued delivery whose job is gone', () => {
  it('gets its job back from the sweeper after the grace period and is sent once (no job, a failed job, a dead worker’s lock); a live delayed job is left alone', async () => {
    const alert = await paging.raise({ tenant_id: 'T-ORPHAN', message: 'lost job', severity: 'high', targets: [{ phone: '+14155550143' }] });
    // Later rounds of the same alert as a crash or an operator could leave them: no job at all, a job that
    // failed for good (graphile-worker will never run it again), a job locked by a worker that stopped before
    // it claimed the delivery (graphile-worker frees it only after four hours), and a retry waiting for its time.
    const planned = [1, 2, 3, 4].map((round) => ({ alertId: alert.id, tenantId: 'T-ORPHAN', channel: 'sms' as const, slackUserId: null, address: '+14155550143', round }));
    const [noJob, deadJob, waiting, stuck] = await insertDeliveries(paging.db, planned, clock.now());
    let stopped!: () => void;
    const stoppedInJob = new Promise<void>((resolve) => (stopped = resolve));
    faulty = await startJobRunner({ databaseUrl: paging.config.databaseUrl, logger: paging.logger, tasks: faultyTasks(deadJob!.id, stuck!.id, stopped), concurrency: 4, pollIntervalMs: 100, poolSize: 6 });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 5 && ds.every((d) => d.round > 0 || d.status === 'sent'));
    paging.twilio.reset();

    await addJob(paging.db, 'deliver', { deliveryId: deadJob!.id }, { jobKey: deliveryJobKey(deadJob!.id), maxAttempts: 1, severity: 'high' });
    await addJob(paging.db, 'deliver', { deliveryId: waiting!.id }, { jobKey: deliveryJobKey(waiting!.id), runAt: new Date(clock.now().getTime() + 3_600_000), severity: 'high' });
    await addJob(paging.db, 'deliver', { deliveryId: stuck!.id }, { jobKey: deliveryJobKey(stuck!.id), severity: 'high' });
    await stoppedInJob;
    await paging.eventually(() => jobOf(deadJob!.id), (job) => job?.failedForGood === true);
    expect(await jobOf(stuck!.id)).toMatchObject({ locked: true, failedForGood: false });
    const worker = await paging.backend.startWorker();

    // Within the grace period nothing is touched.
    expect(await worker.sweep()).toEqual(nothingSwept);
    clock.advance(2 * GRACE_MS);
    expect(await worker.sweep()).toEqual({ ...nothingSwept, orphans: 3 });

    const byId = async () => new Map((await paging.deliveries(alert.id)).map((d) => [d.id, d]));
    await paging.eventually(byId, (ds) => [noJob, deadJob, stuck].every((d) => ds.get(d!.id)?.status === 'sent'));
    expect((await byId()).get(waiting!.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await jobOf(waiting!.id)).toMatchObject({ locked: false, failedForGood: false });
    // Given one job each, not two: a second sweep finds nothing, and each was sent once.
    clock.advance(2 * GRACE_MS);
    expect(await worker.sweep()).toEqual(nothingSwept);
    expect(succeeded(paging.twilio.messages()).map((m) => m.form.To)).toEqual(['+14155550143', '+14155550143', '+14155550143']);
    const attempts = await byId();
    expect([noJob, deadJob, stuck].map((d) => attempts.get(d!.id)?.attempts)).toEqual([1, 1, 1]);
  });
});
