import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, restartablePostgres, signSlackRequest, slashCommandBody, spawnService, startFakeSlackApi, startFakeTwilio, type FakeSlackApi, type FakeTwilio, type RestartablePostgres } from '@klaxon/testing';
import type { BackendProcess } from '../../apps/backend/test/integration/backend-process';
import { closeDatabase, createDatabase } from '../../apps/backend/src/db/database';
import { faultBackend, migrated, pagesByTag, raiseTagged, SERVICE_KEY, until, type RaiseOutcome } from './fault-stack';

let twilio: FakeTwilio;
let slack: FakeSlackApi;
beforeAll(async () => {
  twilio = await startFakeTwilio({ accountSid: `AC${'d'.repeat(32)}`, authToken: 'paging-test-auth-token' });
  slack = await startFakeSlackApi();
});
afterAll(async () => {
  await twilio.close();
  await slack.close();
});

describe('the backend down', () => {
  it('the gateway still acks the command and tells its author that nothing was paged', async () => {
    // A port nothing listens on: every forward is refused.
    const backendUrl = `http://127.0.0.1:${await freePort()}`;
    const signingSecret = 'outage0signing0secret00000000000';
    const gateway = await spawnService({
      name: 'gateway',
      main: path.resolve(__dirname, '../../apps/gateway/dist/main.js'),
      env: (port) => ({
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        BACKEND_URL: backendUrl,
        INTERNAL_SERVICE_KEYS: SERVICE_KEY,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_BOT_TOKEN: 'xoxb-outage',
        SLACK_API_URL: slack.slackApiUrl,
        SLACK_BOT_ID: 'BOUT',
        SLACK_BOT_USER_ID: 'UOUT',
      }),
      ready: (url) => fetch(`${url}/healthz`).then((r) => r.ok, () => false),
    });
    try {
      const body = slashCommandBody({ text: '<@U0ONCALL> critical checkout is down', response_url: slack.responseUrl('backend-down') });
      const started = performance.now();
      const ack = await fetch(`${gateway.url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret, body }) },
        body,
      });
      const ackMs = performance.now() - started;
      expect(ack.status).toBe(200);
      // The gateway retries within its budget (10 s by default), then says so to the author.
      const told = await slack.waitForResponse((b) => String(b.text).startsWith('❌'), 20_000);
      const toldMs = performance.now() - started;
      expect(told.text).toMatch(/^❌ Nothing was paged: .+\. Try again in a minute; if it keeps failing, phone the person directly/);
      expect(slack.responses('backend-down').filter((b) => String(b.text).startsWith('🚨'))).toEqual([]);
      // Information, not an assertion (timing never fails a test): Slack wants the ack within 3 s.
      console.info(`backend down: ack after ${ackMs.toFixed(0)} ms, author told after ${(toldMs / 1000).toFixed(1)} s`);
    } finally {
      await gateway.stop();
    }
  });
});

describe('PostgreSQL stopped for 10 s while alerts keep coming', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-faults-pg-'));
  let server: RestartablePostgres;
  let backend: BackendProcess | undefined;
  beforeAll(async () => {
    server = restartablePostgres({ dataDir, port: await freePort() });
    await server.start();
    await migrated(server.url);
  });
  afterAll(async () => {
    await backend?.stop('SIGKILL');
    await server.destroy();
  });

  it('answers 503 while it is down, recovers without a restart, and pages every alert it accepted exactly once', async () => {
    backend = await faultBackend(server.url, twilio, slack.slackApiUrl, { DATABASE_POOL_SIZE: '4' });
    const pid = backend.child.pid;
    const outcomes: Array<RaiseOutcome & { phase: string }> = [];
    let phase = 'up';
    let sequence = 0;
    let stopped = false;
    // A steady flow, one raise at a time every 50 ms, across the outage.
    const flow = (async () => {
      while (!stopped) {
        const outcome = await raiseTagged(backend!.url, 'T-PGDOWN', `pg-${sequence++}`);
        outcomes.push({ ...outcome, phase });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await until(() => outcomes.filter((o) => o.status === 201).length, (n) => n >= 20, 30_000);
    // One page is held at the fake Twilio until PostgreSQL is down: its job ends while the database is gone,
    // which makes graphile-worker stop its runner (it cannot mark the job complete); the backend starts a new one.
    let releaseHeld = () => {};
    twilio.holdNext(new Promise<void>((resolve) => (releaseHeld = resolve)));
    const sentBefore = twilio.requests.length;
    await until(() => twilio.requests.length, (n) => n > sentBefore, 30_000, 20);
    phase = 'stopping';
    await server.stop();
    releaseHeld();
    phase = 'down';
    const downSince = Date.now();
    await until(() => Date.now() - downSince, (ms) => ms >= 10_000, 11_000, 100);
    phase = 'starting';
    await server.start();
    phase = 'back';
    const backAt = outcomes.length;
    await until(() => outcomes.slice(backAt).filter((o) => o.status === 201).length, (n) => n >= 20, 60_000);
    stopped = true;
    await flow;

    const down = outcomes.filter((o) => o.phase === 'down');
    expect(down.length).toBeGreaterThan(0);
    // While it is down: 503 (the database is unreachable), never a 500 or a hang.
    const describe = (o: RaiseOutcome) => ('error' in o ? `${o.status}: ${o.error}` : String(o.status));
    if (down.some((o) => o.status !== 503)) console.error(`backend output (last 4 kB):\n${backend.output().slice(-4000)}`);
    expect(down.filter((o) => o.status !== 503).map(describe)).toEqual([]);
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503).map((o) => `${o.phase}:${o.status}`)).toEqual([]);
    // The same process throughout.
    expect(backend.child.exitCode).toBeNull();
    expect(backend.child.pid).toBe(pid);

    const db = createDatabase({ url: server.url, poolSize: 1, applicationName: 'faults-pg' });
    try {
      const accepted = outcomes.filter((o) => o.status === 201).map((o) => o.tag);
      const stored = new Set(await db.map("SELECT substring(message from '\\[([^]]+)\\]') AS tag FROM alerts", [], (r: { tag: string }) => r.tag));
      expect(accepted.filter((tag) => !stored.has(tag))).toEqual([]);
      const unfinished = () => db.one<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE status NOT IN ('sent', 'failed', 'cancelled')").then((r) => r.n);
      expect(await until(unfinished, (n) => n === 0, 60_000, 250)).toBe(0);
      const { sent } = pagesByTag(twilio);
      expect([...stored].filter((tag) => sent.get(tag)?.length !== 1)).toEqual([]);
      console.info(`PostgreSQL down 10 s: ${accepted.length} accepted, ${down.length} answered 503 while down, ${stored.size} stored and paged once each`);
    } finally {
      await closeDatabase(db);
    }
  });
});
