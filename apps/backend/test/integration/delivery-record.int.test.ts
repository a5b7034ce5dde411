import { RECORD_RETRY_DELAYS_MS } from '@klaxon/config';
import { MovableClock } from '@klaxon/testing';
import { deliveryJobKey } from '../../src/jobs/job-queue';
import { findJobs } from '../../src/jobs/keyed-jobs.repository';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// A page the provider accepted is never sent again because writing it down failed. The database refuses
// writes through triggers (real PostgreSQL errors, one with a connection-failure SQLSTATE so the worker's
// retries run); leases run out by moving the clock and sweeps run explicitly, so nothing here waits on a timer.
const clock = new MovableClock();
/** The pauses the worker took between record retries: taken on the clock, not waited for. */
const pauses: number[] = [];
const sleep = async (ms: number) => {
  pauses.push(ms);
  clock.advance(ms);
};
let paging: PagingHarness;

beforeAll(async () => {
  // Sweeps run only when a test asks (and once at start, on an empty database).
  paging = await startPagingHarness({ sweeper: { sweepIntervalMs: 3_600_000 }, overrides: { clock, sleep } });
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
const jobExists = async (deliveryId: string) => (await findJobs(paging.db, [deliveryJobKey(deliveryId)])).length > 0;
/** The claim's lease runs out: the clock moves past it (the sweeper measures leases by the clock). */
const expireLease = () => clock.advance(paging.config.notify.leaseMs + 1000);
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

    expireLease();
    expect(await paging.worker.sweep()).toEqual({ recordedLate: 0, settled: 1, requeued: 0, orphans: 0, released: 0, forgottenWebhooks: 0 });
    expect(await delivery(alert.id)).toMatchObject({ status: 'sent', providerMessageId: message!.sid, attempts: 1 });
    expect(await sentEvents(alert.id)).toEqual([expect.objectContaining({ provider_id: message!.sid, recorded_by: 'sweeper' })]);
    // Sent is final: nothing can claim it, so the one request is all Twilio ever gets.
    expect(await jobExists(stuck.id)).toBe(false);
    expect(paging.twilio.messages()).toHaveLength(1);
  });

  it('is kept by the worker when the database refuses every write past the retries, and recorded by its next sweep', async () => {
    // 08006 (connection_failure): the worker waits the outage out through all of its record retries (their
    // pauses, 7.5 s in all, pass on the test's clock).
    await refuse('sent-record', '08006');
    await refuse('provider-id', '08006');
    const alert = await paging.raise({ tenant_id: 'T-REC2', message: 'queue stuck', severity: 'high', targets: [{ phone: '+14155550142' }] });
    const [claimed] = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 1 && ds[0]!.status === 'sending');
    await paging.eventually(() => jobExists(claimed!.id), (exists) => !exists, 30_000);
    const [message] = succeeded(paging.twilio.messages());
    expect(await delivery(alert.id)).toMatchObject({ status: 'sending', providerMessageId: null });
    expect(paging.logLines().filter((l) => l.includes('could not record a sent page yet') && l.includes(claimed!.id))).toHaveLength(RECORD_RETRY_DELAYS_MS.length);
    expect(pauses).toEqual(RECORD_RETRY_DELAYS_MS);
    const logged = paging.logLines().find((l) => l.includes('PAGE SENT BUT NOT RECORDED') && l.includes(claimed!.id));
    expect(JSON.parse(logged!)).toMatchObject({ level: 'error', providerMessageId: message!.sid, idStored: false });

    // While the database still refuses, a sweep past the lease neither records nor queues it again.
    expireLease();
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
