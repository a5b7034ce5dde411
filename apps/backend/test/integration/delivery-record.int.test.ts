import { RECORD_RETRY_DELAYS_MS } from '@klaxon/config';
import { insertDeliveries } from '../../src/notify/delivery.repository';
import { addJob, deliveryJobKey } from '../../src/jobs/job-queue';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// A page the provider accepted is never sent again because writing it down failed, and a queued delivery
// whose job is gone gets one. The database refuses writes through triggers (real PostgreSQL errors, one
// with a connection-failure SQLSTATE so the worker's retries run); leases are expired and sweeps run
// explicitly, so nothing here waits on a timer.
let paging: PagingHarness;

beforeAll(async () => {
  // Sweeps run only when a test asks (and once at start, on an empty database).
  paging = await startPagingHarness({ sweeper: { sweepIntervalMs: 3_600_000, orphanGraceMs: 60_000 } });
  await paging.db.none(`
    CREATE TABLE test_refusals (what text PRIMARY KEY, sqlstate text NOT NULL);
    -- 'sent-record': the transaction recording a sent page fails (its audit event is refused).
    CREATE FUNCTION test_refuse_sent_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE refusal test_refusals;
    BEGIN
      SELECT * INTO refusal FROM test_refusals WHERE what = 'sent-record';
      IF FOUND AND NEW.kind = 'notification.sent' AND NOT NEW.data ? 'recorded_by' THEN
        RAISE EXCEPTION 'test: refusing to record a sent page' USING ERRCODE = refusal.sqlstate;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_sent_event BEFORE INSERT ON alert_events FOR EACH ROW EXECUTE FUNCTION test_refuse_sent_event();
    -- 'provider-id': no write of a provider id gets through either.
    CREATE FUNCTION test_refuse_provider_id() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE refusal test_refusals;
    BEGIN
      SELECT * INTO refusal FROM test_refusals WHERE what = 'provider-id';
      IF FOUND AND NEW.provider_message_id IS DISTINCT FROM OLD.provider_message_id THEN
        RAISE EXCEPTION 'test: refusing to store a provider id' USING ERRCODE = refusal.sqlstate;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_provider_id BEFORE UPDATE ON deliveries FOR EACH ROW EXECUTE FUNCTION test_refuse_provider_id();
  `);
});
afterEach(async () => {
  await paging.db.none('DELETE FROM test_refusals');
  paging.twilio.reset();
});
afterAll(async () => {
  await paging.close();
});

const refuse = (what: 'sent-record' | 'provider-id', sqlstate: string) => paging.db.none('INSERT INTO test_refusals VALUES ($1, $2)', [what, sqlstate]);
const delivery = async (alertId: string) => (await paging.deliveries(alertId))[0]!;
const jobExists = async (deliveryId: string) => (await paging.db.oneOrNone('SELECT 1 FROM graphile_worker.jobs WHERE key = $1', [deliveryJobKey(deliveryId)])) !== null;
const expireLease = (deliveryId: string) => paging.db.none(`UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`, [deliveryId]);
const sentEvents = (alertId: string) =>
  paging.db.map(`SELECT data FROM alert_events WHERE alert_id = $1 AND kind = 'notification.sent'`, [alertId], (r: { data: Record<string, unknown> }) => r.data);

describe('a page whose record fails after the provider accepted it', () => {
  it('is not sent again: its provider id alone is stored, and the sweeper records it as sent when the lease runs out', async () => {
    await refuse('sent-record', 'P0001');
    const alert = await paging.raise({ tenant_id: 'T-REC1', message: 'db slow', severity: 'high', targets: [{ phone: '+14155550141' }] });
    const stuck = await paging.eventually(() => delivery(alert.id), (d) => d.providerMessageId !== null);
    const [message] = succeeded(paging.twilio.messages());
    expect(stuck).toMatchObject({ status: 'sending', providerMessageId: message!.sid });
    // The job is over without entering the failure path: no retry was queued, nothing reached the thread.
    await paging.eventually(() => jobExists(stuck.id), (exists) => !exists);
    expect(await delivery(alert.id)).toMatchObject({ status: 'sending', attempts: 1, errorCode: null });
    const logged = paging.logLines().find((l) => l.includes('PAGE SENT BUT NOT RECORDED') && l.includes(stuck.id));
    expect(JSON.parse(logged!)).toMatchObject({ level: 'error', providerMessageId: message!.sid, idStored: true });

    await expireLease(stuck.id);
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 1, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    expect(await delivery(alert.id)).toMatchObject({ status: 'sent', providerMessageId: message!.sid, attempts: 1 });
    expect(await sentEvents(alert.id)).toEqual([expect.objectContaining({ provider_id: message!.sid, recorded_by: 'sweeper' })]);
    // Sent is final: nothing can claim it, so the one request is all Twilio ever gets.
    expect(await jobExists(stuck.id)).toBe(false);
    expect(paging.twilio.messages()).toHaveLength(1);
  });

  it('is kept by the worker when the database refuses every write past the retries, and recorded by its next sweep', async () => {
    // 08006 (connection_failure): the worker waits the outage out through all of its record retries (~7.5 s).
    await refuse('sent-record', '08006');
    await refuse('provider-id', '08006');
    const alert = await paging.raise({ tenant_id: 'T-REC2', message: 'queue stuck', severity: 'high', targets: [{ phone: '+14155550142' }] });
    const [claimed] = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 1 && ds[0]!.status === 'sending');
    await paging.eventually(() => jobExists(claimed!.id), (exists) => !exists, 30_000);
    const [message] = succeeded(paging.twilio.messages());
    expect(await delivery(alert.id)).toMatchObject({ status: 'sending', providerMessageId: null });
    expect(paging.logLines().filter((l) => l.includes('could not record a sent page yet') && l.includes(claimed!.id))).toHaveLength(RECORD_RETRY_DELAYS_MS.length);
    const logged = paging.logLines().find((l) => l.includes('PAGE SENT BUT NOT RECORDED') && l.includes(claimed!.id));
    expect(JSON.parse(logged!)).toMatchObject({ level: 'error', providerMessageId: message!.sid, idStored: false });

    // While the database still refuses, a sweep past the lease neither records nor queues it again.
    await expireLease(claimed!.id);
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 0, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    expect(await delivery(alert.id)).toMatchObject({ status: 'sending', providerMessageId: null });

    await paging.db.none('DELETE FROM test_refusals');
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 1, settled: 0, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    expect(await delivery(alert.id)).toMatchObject({ status: 'sent', providerMessageId: message!.sid, attempts: 1 });
    expect(await sentEvents(alert.id)).toEqual([expect.objectContaining({ provider_id: message!.sid })]);
    expect(await jobExists(claimed!.id)).toBe(false);
    expect(paging.twilio.messages()).toHaveLength(1);
  });
});

describe('a queued delivery whose job is gone', () => {
  it('gets its job back from the sweeper after the grace period and is sent once (no job, a failed job, a dead worker’s lock); a live delayed job is left alone', async () => {
    const alert = await paging.raise({ tenant_id: 'T-ORPHAN', message: 'lost job', severity: 'high', targets: [{ phone: '+14155550143' }] });
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 1 && ds[0]!.status === 'sent');
    paging.twilio.reset();
    // Later rounds of the same alert as a crash or an operator could leave them: no job at all, a job that
    // failed for good (graphile-worker will never run it again), a job locked by a worker that was killed
    // before it claimed the delivery (graphile-worker frees it only after four hours), and a retry waiting
    // for its time.
    const planned = [1, 2, 3, 4].map((round) => ({ alertId: alert.id, tenantId: 'T-ORPHAN', channel: 'sms' as const, slackUserId: null, address: '+14155550143', round }));
    const [noJob, deadJob, waiting, stuck] = await insertDeliveries(paging.db, planned, paging.backend.clock.now());
    const inAnHour = new Date(Date.now() + 3_600_000);
    await addJob(paging.db, 'deliver', { deliveryId: deadJob!.id }, { jobKey: deliveryJobKey(deadJob!.id), runAt: inAnHour, severity: 'high' });
    await paging.db.any('SELECT * FROM graphile_worker.permanently_fail_jobs(ARRAY(SELECT id FROM graphile_worker.jobs WHERE key = $1))', [deliveryJobKey(deadJob!.id)]);
    await addJob(paging.db, 'deliver', { deliveryId: waiting!.id }, { jobKey: deliveryJobKey(waiting!.id), runAt: inAnHour, severity: 'high' });
    await addJob(paging.db, 'deliver', { deliveryId: stuck!.id }, { jobKey: deliveryJobKey(stuck!.id), runAt: inAnHour, severity: 'high' });
    await paging.db.none("UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '2 minutes', locked_by = 'killed-worker' WHERE key = $1", [deliveryJobKey(stuck!.id)]);

    // Within the grace period nothing is touched.
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 0, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    const ids = [noJob!.id, deadJob!.id, waiting!.id, stuck!.id];
    await paging.db.none(`UPDATE deliveries SET updated_at = now() - interval '2 minutes' WHERE id = ANY($1::uuid[])`, [ids]);
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 0, requeued: 0, orphans: 3, released: 0, forgottenWebhooks: 0 });

    const byId = async () => new Map((await paging.deliveries(alert.id)).map((d) => [d.id, d]));
    await paging.eventually(byId, (ds) => [noJob, deadJob, stuck].every((d) => ds.get(d!.id)?.status === 'sent'));
    expect((await byId()).get(waiting!.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await jobExists(waiting!.id)).toBe(true);
    // Given one job each, not two: a second sweep finds nothing, and each was sent once.
    await paging.db.none(`UPDATE deliveries SET updated_at = now() - interval '2 minutes' WHERE id = ANY($1::uuid[])`, [ids]);
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 0, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    expect(succeeded(paging.twilio.messages()).map((m) => m.form.To)).toEqual(['+14155550143', '+14155550143', '+14155550143']);
    const attempts = await byId();
    expect([noJob, deadJob, stuck].map((d) => attempts.get(d!.id)?.attempts)).toEqual([1, 1, 1]);
  });
});
