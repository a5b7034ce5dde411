import { BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger } from '@klaxon/logger';
import { createTestDatabase, startFakeSlackApi, startFakeTwilio, type FakeSlackApi, type FakeTwilio, type TestDatabase } from '@klaxon/testing';
import { PassThrough } from 'node:stream';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { spawnPagingBackend, type BackendProcess } from './backend-process';
import { SERVICE_KEY } from './helpers';
import { eventually, TWILIO } from './paging-harness';

// The built backend as a process, stopped with SIGTERM in the middle of a burst of raises, as supervisord
// and `docker stop` do, then started again.
let database: TestDatabase;
let db: Database;
let twilio: FakeTwilio;
let slack: FakeSlackApi;
const running: BackendProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await migrate({ databaseUrl: database.url, logger: createLogger({ service: 'test', stream: new PassThrough() }) });
  db = createDatabase({ url: database.url, poolSize: 2, applicationName: 'shutdown-test' });
  twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
  slack = await startFakeSlackApi();
});
afterAll(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop('SIGKILL')));
  await closeDatabase(db);
  await twilio.close();
  await slack.close();
  await database.drop();
});

const backend = async () => {
  const started = await spawnPagingBackend({ databaseUrl: database.url, twilioUrl: twilio.url, slackApiUrl: slack.slackApiUrl }, {
    ESCALATE_AFTER: '1h',
    PAGE_LIMIT_PER_RECIPIENT: '10000',
    PAGE_LIMIT_PER_TENANT: '10000',
  });
  running.push(started);
  return started;
};

/** The alert id when the backend accepted the raise (2xx); null when the connection was refused or cut. */
const raise = async (url: string, i: number): Promise<string | null> => {
  try {
    const res = await fetch(`${url}/alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY },
      body: JSON.stringify({ tenant_id: 'T-SHUTDOWN', message: `burst ${i}`, severity: 'high', targets: [{ phone: '+14155550141' }] }),
    });
    if (res.status >= 200 && res.status < 300) return ((await res.json()) as { id: string }).id;
    // A refusal is fine while stopping, but only a named one.
    expect([503]).toContain(res.status);
    return null;
  } catch {
    return null;
  }
};

const logLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; message: string });

describe('SIGTERM during a burst of raises', () => {
  it('exits 0 without an error line, every accepted alert is stored, and its deliveries complete after the restart', async () => {
    const first = await backend();
    // Six callers raising one alert after another (a burst the pool of 4 serves without queueing for
    // seconds); SIGTERM once 20 are answered. A caller stops at its first refused or cut connection.
    const ids: string[] = [];
    let answered = 0;
    let signalledAt = 0;
    const caller = async (c: number) => {
      for (let i = 0; i < 100; i++) {
        const id = await raise(first.url, c * 100 + i);
        if (id === null) return;
        ids.push(id);
        if (++answered === 20) {
          signalledAt = Date.now();
          first.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, c) => caller(c)));
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // Not held by a kept-alive connection until its timeout (65 s): the bound is the 10 s for running jobs.
    expect(Date.now() - signalledAt).toBeLessThan(BACKEND_KEEP_ALIVE_MS / 2);
    const accepted = ids;
    expect(accepted.length).toBeGreaterThan(0);

    const stopLines = logLines(first.output());
    expect(stopLines.filter((l) => l.level === 'error')).toEqual([]);
    expect(stopLines.map((l) => l.message)).toEqual(expect.arrayContaining(['backend stopping']));
    expect(stopLines.map((l) => l.message)).toContain('backend stopped: requests answered, jobs finished, database closed');

    // Every 2xx is a committed alert with its deliveries planned, whatever happened after.
    const stored = await db.map('SELECT id FROM alerts WHERE id = ANY($1::uuid[])', [accepted], (r: { id: string }) => r.id);
    expect(stored.sort()).toEqual([...accepted].sort());
    const planned = await db.one<{ n: number }>('SELECT count(DISTINCT alert_id)::int AS n FROM deliveries WHERE alert_id = ANY($1::uuid[])', [accepted]);
    expect(planned.n).toBe(accepted.length);

    await backend();
    await eventually(
      () => db.one<{ open: number }>(`SELECT count(*) FILTER (WHERE status <> 'sent')::int AS open FROM deliveries WHERE alert_id = ANY($1::uuid[])`, [accepted]),
      (row) => row.open === 0,
      60_000,
    );
  }, 120_000);
});
