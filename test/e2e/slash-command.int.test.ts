// End to end across both apps: this test is the one place allowed to import both, because it checks
// that they agree over HTTP. Neither app imports the other.
import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { closeNow, createTestDatabase, listenOnLoopback, signSlackRequest, slashCommandBody, startFakeSlackApi, type FakeSlackApi, type TestDatabase } from '@klaxon/testing';
import type { createApp } from '../../apps/backend/src/app';
import { closeDatabase, createDatabase, type Database } from '../../apps/backend/src/db/database';
import { migrate } from '../../apps/backend/src/db/migrate';
import { buildApp, SERVICE_KEY, testConfig } from '../../apps/backend/test/integration/helpers';
import { createGateway, type Gateway } from '../../apps/gateway/src/app';
import { BackendClient } from '../../apps/gateway/src/backend-client';

const SIGNING_SECRET = 'e2e0signing0secret0000000000000a';
// Both services log into one captured stream, so the whole flow's log can be searched for leaks.
const logStream = new PassThrough();
let logText = '';
logStream.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
const quiet = () => createLogger({ service: 'e2e', level: 'debug', format: 'json', stream: logStream });

describe('a signed /alert travels from Slack to the database', () => {
  let database: TestDatabase;
  let db: Database;
  let slack: FakeSlackApi;
  let backendServer: ReturnType<ReturnType<typeof createApp>['listen']>;
  let gateway: Gateway;
  let backendClient: BackendClient;
  let gatewayUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate({ databaseUrl: database.url, logger: quiet() });
    db = createDatabase({ url: database.url, poolSize: 4, applicationName: 'e2e' });
    slack = await startFakeSlackApi();
    const app = buildApp(db, quiet(), testConfig({ slackApiUrl: slack.slackApiUrl })).app;
    backendServer = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => backendServer.once('listening', resolve));
    const backendUrl = `http://127.0.0.1:${(backendServer.address() as { port: number }).port}`;

    backendClient = new BackendClient({ baseUrl: backendUrl, serviceKey: SERVICE_KEY, timeoutMs: 2000, logger: quiet() });
    gateway = await createGateway({
      config: { slack: { signingSecret: SIGNING_SECRET, botToken: 'xoxb-e2e', apiUrl: slack.slackApiUrl, botId: 'BE2E', botUserId: 'UE2E' } },
      logger: quiet(),
      backend: backendClient,
    });
    gatewayUrl = await listenOnLoopback(gateway.server);
    // Jane has a phone in her Slack profile, typed as people type it; Bob has none.
    slack.setUser('U0JANE', { real_name: 'Jane Doe', profile: { phone: '(415) 555-0101', display_name: 'jane' } });
    slack.setUser('U0BOB', { real_name: 'Bob', profile: { display_name: 'bob' } });
  });

  afterAll(async () => {
    backendClient.close();
    await closeNow(gateway.server);
    await closeNow(backendServer);
    await slack.close();
    await closeDatabase(db);
    await database.drop();
  });

  it('stores the alert with tenant, targets, severity and message, and tells the caller its number', async () => {
    const body = slashCommandBody({
      text: '<@U0JANE|jane> <@U0BOB> critical checkout is down',
      team_id: 'T0E2E',
      channel_id: 'C0E2E',
      user_id: 'U0CALLER',
      response_url: slack.responseUrl('e2e'),
    });
    const res = await fetch(`${gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
    });
    expect(res.status).toBe(200);

    const outcome = await slack.waitForResponse((b) => String(b.text).startsWith('🚨'), 5000);
    expect(outcome.text).toMatch(/^🚨 #1 paging <@U0JANE> \(WhatsApp \+ call\).*<@U0BOB>.*\/alert phone/);

    const alert = await db.one('SELECT id, tenant_id, number, severity, message, status, source, origin, slack_channel_id, slack_user_id FROM alerts');
    expect(alert).toMatchObject({
      tenant_id: 'T0E2E',
      number: 1,
      severity: 'critical',
      message: 'checkout is down',
      status: 'triggered',
      source: null,
      origin: 'slack',
      slack_channel_id: 'C0E2E',
      slack_user_id: 'U0CALLER',
    });
    const targets = await db.manyOrNone('SELECT slack_user_id, phone, status FROM alert_targets WHERE alert_id = $1 ORDER BY position', [alert.id]);
    expect(targets).toEqual([
      { slack_user_id: 'U0JANE', phone: '+14155550101', status: 'paging' },
      { slack_user_id: 'U0BOB', phone: null, status: 'unreachable' },
    ]);
    // Committed with the alert: a WhatsApp and a call to Jane, each with its job.
    const deliveries = await db.manyOrNone("SELECT channel, address, status FROM deliveries WHERE alert_id = $1 ORDER BY channel DESC", [alert.id]);
    expect(deliveries).toEqual([
      { channel: 'whatsapp', address: '+14155550101', status: 'queued' },
      { channel: 'voice', address: '+14155550101', status: 'queued' },
    ]);
  });

  it('stores one alert when Slack retries the same command', async () => {
    const body = slashCommandBody({ text: '<@U0JANE> medium retried', team_id: 'T0RETRY', trigger_id: 'same-trigger', response_url: slack.responseUrl('retry') });
    for (const retry of ['0', '1']) {
      const res = await fetch(`${gatewayUrl}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-retry-num': retry, ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
        body,
      });
      expect(res.status).toBe(200);
    }
    await slack.waitForResponse((b) => String(b.text).includes('#1'), 5000);
    // Both forwards must have landed before counting: wait for the second outcome too.
    const deadline = Date.now() + 5000;
    while (slack.responses('retry').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(slack.responses('retry')).toHaveLength(2);
    const { count } = await db.one<{ count: number }>("SELECT count(*)::int AS count FROM alerts WHERE tenant_id = 'T0RETRY'");
    expect(count).toBe(1);
  });

  it('logs no secret and no full phone number along the whole flow', async () => {
    await backendClient.raiseAlert({ tenant_id: 'T0LOG', message: 'call +14155550101 now', targets: [{ phone: '+14155550101' }], slack: { channel_id: 'C0LOG', user_id: 'U0LOG' } }, { requestId: 'log-check' });
    const bad = slashCommandBody({ text: '<@U1> x' });
    await fetch(`${gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: 'f'.repeat(32), body: bad }) },
      body: bad,
    });
    expect(logText).toContain('"alertNumber"');
    expect(logText).toContain('signature mismatch');
    for (const secret of [SIGNING_SECRET, SERVICE_KEY, 'xoxb-e2e', '4155550101']) expect(logText).not.toContain(secret);
  });

  /** Sends a signed `/alert <text>` as this person and returns what the gateway posts to its response_url. */
  const commandOutcome = async (text: string, id: string, who: { team_id: string; user_id: string }): Promise<string> => {
    const body = slashCommandBody({ text, ...who, response_url: slack.responseUrl(id) });
    const res = await fetch(`${gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
    });
    expect(res.status).toBe(200);
    return String((await slack.waitForResponse((b) => slack.responses(id).includes(b), 5000)).text);
  };

  it('sets an email, channels and quiet hours through /alert email and /alert prefs, stored as typed and shown back masked', async () => {
    const send = (text: string, id: string) => commandOutcome(text, id, { team_id: 'T0PREFS', user_id: 'U0PAT' });

    expect(await send('prefs channels whatsapp,email', 'p1')).toMatch(/^❌ Not saved: email is among the channels, but Klaxon has no email address for you\. Set one first with `\/alert email you@example\.com`/);
    expect(await send('email <mailto:Pat.Lee@Example.com|Pat.Lee@Example.com>', 'p2')).toBe(
      '✅ Saved: your email is p***@example.com. To be paged by email too, run `/alert prefs channels whatsapp,voice,sms,email`.',
    );
    expect(await send('prefs channels whatsapp, call, email', 'p3')).toBe('✅ Saved: Klaxon may page you by WhatsApp, call and email.');
    expect(await send('prefs quiet 22:00-07:00', 'p4')).toMatch(/^❌ Not saved: quiet hours are read in your time zone, and Klaxon does not know yours/);
    expect(await send('prefs quiet 22:00-07:00 europe/berlin', 'p5')).toBe(
      '✅ Saved: quiet hours 22:00–07:00 (Europe/Berlin). Low and medium pages wait until they end; high and critical ones still page you.',
    );
    expect(await send('email', 'p6')).toBe('📧 Klaxon has p***@example.com for you and emails you when you are paged. Change it with `/alert email <address>`.');
    expect((await send('prefs', 'p7')).split('\n')).toEqual([
      '*How Klaxon reaches you*',
      '• Channels: WhatsApp, call and email — change with `/alert prefs channels whatsapp,voice,email`',
      '• Phone: none set, so the one in your Slack profile if there is one — `/alert phone <number>`',
      '• Email: p***@example.com — `/alert email <address>`',
      '• Quiet hours: 22:00–07:00 (Europe/Berlin) — `/alert prefs quiet 22:00-07:00 Europe/Berlin` or `/alert prefs quiet off`',
    ]);

    const row = await db.one("SELECT email, channels, time_zone, to_char(quiet_start, 'HH24:MI') AS quiet_start, to_char(quiet_end, 'HH24:MI') AS quiet_end, phone FROM contacts WHERE tenant_id = 'T0PREFS' AND slack_user_id = 'U0PAT'");
    expect(row).toEqual({ email: 'pat.lee@example.com', channels: ['whatsapp', 'voice', 'email'], time_zone: 'Europe/Berlin', quiet_start: '22:00', quiet_end: '07:00', phone: null });

    expect(await send('prefs quiet off', 'p8')).toBe('✅ Saved: no quiet hours; every page reaches you at once.');
    expect(await db.one("SELECT quiet_start, time_zone FROM contacts WHERE tenant_id = 'T0PREFS' AND slack_user_id = 'U0PAT'")).toEqual({ quiet_start: null, time_zone: 'Europe/Berlin' });
    expect(logText).not.toContain('pat.lee@example.com');
  });

  it('tells the person who paged until when a medium page waits for quiet hours', async () => {
    const send = (text: string, id: string) => commandOutcome(text, id, { team_id: 'T0HELD', user_id: 'U0HELD' });
    slack.setUser('U0HELD', { real_name: 'Hal', profile: { phone: '+1 415 555 0133', display_name: 'hal' } });
    // Quiet from an hour ago until two hours from now, on a clock without summer time.
    const wall = (offsetMinutes: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Date.now() + offsetMinutes * 60_000));
    const [from, to] = [wall(-60), wall(120)];
    expect(await send(`prefs quiet ${from}-${to} Asia/Tokyo`, 'h1')).toMatch(/^✅ Saved: quiet hours/);

    expect(await send('<@U0HELD> medium disk filling', 'h2')).toBe(`🚨 #1 paging <@U0HELD> (WhatsApp, held until ${to} Asia/Tokyo — quiet hours)`);
    // The answer and the delivery agree on the instant.
    const { held_until: target } = await db.one("SELECT t.held_until FROM alert_targets t JOIN alerts a ON a.id = t.alert_id WHERE a.tenant_id = 'T0HELD'");
    const deliveries = await db.manyOrNone("SELECT d.status, d.held_until FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.tenant_id = 'T0HELD'");
    expect(deliveries).toEqual([{ status: 'held', held_until: target }]);
  });

  it('says what is wrong with a number /alert phone refuses, and sends no code', async () => {
    const send = (text: string, id: string) => commandOutcome(text, id, { team_id: 'T0BADNUM', user_id: 'U0BAD' });
    const advice = ' Write it with the country code, e.g. `/alert phone +44 20 7946 0958`.';

    expect(await send('phone 12', 'n1')).toBe(`❌ Your number was not saved: phone: the number is too short to be a phone number (2 digits).${advice}`);
    // A UK number typed without +44 in a workspace whose DEFAULT_PHONE_REGION is US.
    expect(await send('phone 020 7946 0958', 'n2')).toBe(
      `❌ Your number was not saved: phone: the number is too long for a US number (11 digits), which is what a number written without + is read as.${advice}`,
    );
    expect(await send('phone 555 555 0100', 'n3')).toBe(`❌ Your number was not saved: phone: the number is not a valid US number, which is what a number written without + is read as.${advice}`);
    expect(await db.oneOrNone("SELECT 1 FROM phone_verifications WHERE tenant_id = 'T0BADNUM'")).toBeNull();
  });

  it('confirms a number given with /alert phone by the code sent to it (the log channel prints the code, and nothing else does)', async () => {
    const send = (text: string, id: string) => commandOutcome(text, id, { team_id: 'T0VERIFY', user_id: 'U0VIC' });

    expect(await send('phone +44 20 7946 0958', 'v1')).toBe(
      '📨 A code was sent by SMS to +44 ******0958. Confirm the number with `/alert phone verify 123456` (your code, within 10 minutes). Until then Klaxon keeps paging you at the phone in your Slack profile, if there is one.',
    );
    expect((await send('phone', 'v2')).split('\n')[1]).toBe('⏳ Waiting for the code sent to +44 ******0958 — `/alert phone verify <code>`.');
    const code = /would send sms to \+44 \*{6}0958: Klaxon: your code is (\d{6})\. It confirms this number for pages from T0VERIFY\./.exec(logText)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await db.oneOrNone("SELECT phone FROM contacts WHERE tenant_id = 'T0VERIFY'")).toBeNull();

    expect(await send(`phone verify ${code === '000000' ? '111111' : '000000'}`, 'v3')).toBe('❌ Your number was not confirmed: wrong code for +44 ******0958; 4 attempts left.');
    expect(await send(`phone verify ${code!}`, 'v4')).toBe('✅ Confirmed: Klaxon will page you at +44 ******0958.');
    expect(await send('phone', 'v5')).toBe('📱 Klaxon pages you at +44 ******0958. Change it with `/alert phone <number>`.');
    expect(await db.one("SELECT phone, source FROM contacts WHERE tenant_id = 'T0VERIFY' AND slack_user_id = 'U0VIC'")).toEqual({ phone: '+442079460958', source: 'self' });
    // One log line holds the code: the log channel's, which is how a developer reads it.
    expect(logText.split('\n').filter((line) => line.includes(code!))).toHaveLength(1);
    expect(logText).not.toContain('2079460958');
  });
});
