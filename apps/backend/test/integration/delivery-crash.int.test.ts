import { randomUUID } from 'node:crypto';
import { createLogger } from '@klaxon/logger';
import { createTestDatabase, startFakeSlackApi, startFakeTwilio, type FakeSlackApi, type FakeTwilio, type TestDatabase } from '@klaxon/testing';
import { PassThrough } from 'node:stream';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { spawnPagingBackend, type BackendProcess } from './backend-process';
import { SERVICE_KEY } from './helpers';
import { eventually, succeeded, TWILIO } from './paging-harness';

// Real processes of the built backend, killed and restarted; one database, fake Twilio and Slack.
let database: TestDatabase;
let db: Database;
let twilio: FakeTwilio;
let slack: FakeSlackApi;
const running: BackendProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await migrate({ databaseUrl: database.url, logger: createLogger({ service: 'test', stream: new PassThrough() }) });
  db = createDatabase({ url: database.url, poolSize: 2, applicationName: 'crash-test' });
  twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
  slack = await startFakeSlackApi();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop('SIGKILL')));
  twilio.reset();
});
afterAll(async () => {
  await closeDatabase(db);
  await twilio.close();
  await slack.close();
  await database.drop();
});

const backend = async (extra: Record<string, string> = {}) => {
  const started = await spawnPagingBackend({ databaseUrl: database.url, twilioUrl: twilio.url, slackApiUrl: slack.slackApiUrl }, {
    // The shortest lease the configuration accepts; the test ends leases itself instead of waiting them out.
    NOTIFY_LEASE: '36s',
    // 200 pages to one number in a few seconds is the load under test here, not a flood to hold back.
    PAGE_LIMIT_PER_RECIPIENT: '10000',
    ...extra,
  });
  running.push(started);
  return started;
};

/**
 * Raises as a well-behaved client does: a 503 (the database pool busy on a loaded machine) is retried with
 * the same x-request-id, which the backend answers as the first request, so a retry never makes a second alert.
 */
const raise = async (url: string, body: Record<string, unknown>) => {
  const requestId = `crash-${randomUUID()}`;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}/alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY, 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    if (res.status === 201) return (await res.json()) as { id: string; number: number };
    if (res.status !== 503 || attempt >= 10) throw new Error(`POST /alert answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
};

const statuses = (alertId: string) => db.map('SELECT status FROM deliveries WHERE alert_id = $1 ORDER BY channel', [alertId], (r: { status: string }) => r.status);

describe('a backend killed right after it claims deliveries', () => {
  it('leaves them to the next backend, which sends each exactly once', async () => {
    // Held between claim and send, so SIGKILL lands exactly there.
    const doomed = await backend({ KLAXON_FAILPOINT_AFTER_CLAIM_MS: '60000' });
    const alert = await raise(doomed.url, { tenant_id: 'T-CRASH', message: 'disk full', severity: 'critical', targets: [{ phone: '+14155550131' }] });
    await eventually(() => statuses(alert.id), (s) => s.length === 2 && s.every((x) => x === 'sending'), 20_000);
    await doomed.stop('SIGKILL');
    expect(twilio.requests).toHaveLength(0);
    // As if the lease had run out: the next backend's first sweep finds them.
    await db.none(`UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE alert_id = $1`, [alert.id]);

    await backend();
    await eventually(() => statuses(alert.id), (s) => s.length === 2 && s.every((x) => x === 'sent'), 20_000);
    // Sent is final (only a queued delivery can be claimed), so these are all the requests there will be.
    expect(succeeded(twilio.messages()).map((m) => m.form.To)).toEqual(['whatsapp:+14155550131']);
    expect(succeeded(twilio.calls()).map((c) => c.form.To)).toEqual(['+14155550131']);
    const attempts = await db.map('SELECT attempts FROM deliveries WHERE alert_id = $1', [alert.id], (r: { attempts: number }) => r.attempts);
    expect(attempts).toEqual([2, 2]);
  });
});

describe('two backends sharing the queue', () => {
  it('send every one of 200 alerts raised at once exactly once', async () => {
    const [a, b] = [await backend({ ESCALATE_AFTER: '1h' }), await backend({ ESCALATE_AFTER: '1h' })];
    const alerts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => raise(i % 2 === 0 ? a.url : b.url, { tenant_id: 'T-TWO', message: `load ${i}`, severity: 'high', targets: [{ phone: '+14155550132' }] })),
    );
    expect(new Set(alerts.map((x) => x.number)).size).toBe(200);
    await eventually(
      () => db.one<{ sent: number }>("SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent FROM deliveries WHERE tenant_id = 'T-TWO'"),
      (row) => row.sent === 200,
      60_000,
    );
    const bodies = succeeded(twilio.messages()).map((m) => /#(\d+) /.exec(m.form.Body ?? '')?.[1]);
    expect(bodies).toHaveLength(200);
    expect(new Set(bodies).size).toBe(200);
    // Both processes did part of the work.
    for (const backendProcess of [a, b]) expect(backendProcess.output()).toContain('notification sent');
  });
});
