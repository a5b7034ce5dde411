// Two-way paging across both apps: Twilio's webhooks, signed as Twilio signs them (the twilio package's own
// getExpectedTwilioSignature), through the real gateway to the real backend, its database and worker; the
// pages themselves go through the real twilio SDK to the fake Twilio, which records what they carried.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { AlertDto } from '@klaxon/contracts';
import type { FakeSlackCall, FakeTwilioRequest } from '@klaxon/testing';
import { TWILIO, type PagingHarness } from '../../apps/backend/test/integration/paging-harness';
import type { BackendClient } from '../../apps/gateway/src/backend-client';
import { startBothApps, type BothApps } from './both-apps';

// What Twilio was given as the public origin (PUBLIC_BASE_URL); the gateway itself listens on a random port.
const PUBLIC = 'https://klaxon.test';
const JANE = '+14155550151';
const STRANGER = '+14155550199';
let apps: BothApps;
let paging: PagingHarness;
let backendClient: BackendClient;
let gatewayUrl: string;

const SIGNING_SECRET = 'e2e0twilio0secret000000000000abc';

beforeAll(async () => {
  apps = await startBothApps(SIGNING_SECRET, { twilio: { authToken: TWILIO.authToken }, publicBaseUrl: PUBLIC });
  ({ paging, backendClient, gatewayUrl } = apps);
  paging.slack.setUser('U0JANE', { real_name: 'Jane', profile: { phone: JANE, display_name: 'jane' } });
});
afterAll(() => apps.close());

/** POSTs to the gateway as Twilio would: form-encoded, signed over the public URL (or not, or wrongly). */
async function twilio(path: string, fields: Record<string, string>, signing: 'signed' | 'unsigned' | 'wrong' = 'signed'): Promise<{ status: number; body: string; type: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signing !== 'unsigned') headers['x-twilio-signature'] = getExpectedTwilioSignature(signing === 'wrong' ? 'not-the-auth-token-at-all' : TWILIO.authToken, `${PUBLIC}${path}`, fields);
  const response = await fetch(`${gatewayUrl}${path}`, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

let channelCount = 0;
async function raiseForJane(severity = 'critical'): Promise<{ alert: AlertDto; channel: string }> {
  const channel = `C0TW${++channelCount}`;
  const alert = await paging.raise({ tenant_id: 'T0TW', message: 'checkout is down', severity, targets: [{ slack_user_id: 'U0JANE' }], slack: { channel_id: channel, user_id: 'U0CALLER' } });
  return { alert, channel };
}

const forAlert = (alert: AlertDto) => (r: FakeTwilioRequest) => (r.form.Body ?? r.form.Twiml ?? '').includes(`#${alert.number} `) || (r.form.Twiml ?? '').includes(`number ${alert.number},`);
const deliveryIdOf = (request: FakeTwilioRequest): string => /\/twilio\/status\/([0-9a-f-]{36})$/.exec(request.form.StatusCallback ?? '')![1]!;
const row = (id: string) => paging.db.one('SELECT status, provider_status, delivered_at, read_at, answered_by FROM deliveries WHERE id = $1', [id]);
const blocksOf = (call: FakeSlackCall) => JSON.stringify(call.args.blocks);

describe('Twilio webhooks through the gateway', () => {
  it('refuses a callback without a valid signature with 403, and changes nothing', async () => {
    const { alert } = await raiseForJane();
    const whatsapp = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    const id = deliveryIdOf(whatsapp);
    const before = await paging.eventually(() => row(id), (r) => r.status === 'sent');

    for (const signing of ['unsigned', 'wrong'] as const) {
      const answer = await twilio(`/twilio/status/${id}`, { MessageSid: whatsapp.sid!, MessageStatus: 'read' }, signing);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ error: 'forbidden', detail: expect.stringMatching(/X-Twilio-Signature/) });
    }
    // Signed for other fields than sent: as wrong as no signature.
    const tampered = { MessageSid: whatsapp.sid!, MessageStatus: 'read' };
    const response = await fetch(`${gatewayUrl}/twilio/status/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(TWILIO.authToken, `${PUBLIC}/twilio/status/${id}`, { ...tampered, MessageStatus: 'sent' }) },
      body: new URLSearchParams(tampered).toString(),
    });
    expect(response.status).toBe(403);
    expect(await row(id)).toEqual(before);
    expect(before.provider_status).toBeNull();
  });

  it('every page carries its StatusCallback; the call gathers a key and detects answering machines', async () => {
    const { alert } = await raiseForJane();
    const whatsapp = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    const call = await paging.twilio.waitForCall((c) => c.form.To === JANE && forAlert(alert)(c));
    expect(whatsapp.form.StatusCallback).toMatch(new RegExp(`^${PUBLIC}/twilio/status/[0-9a-f-]{36}$`));
    expect(whatsapp.form.Body).toMatch(new RegExp(`reply "ack ${alert.number}-[2-9A-HJKMNP-TV-Z]{2}"`));
    const callId = deliveryIdOf(call);
    expect(call.form).toMatchObject({ MachineDetection: 'Enable', AsyncAmd: 'true', AsyncAmdStatusCallback: `${PUBLIC}/twilio/status/${callId}` });
    expect(call.formAll.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(call.form.Twiml).toContain(`<Gather numDigits="1" action="${PUBLIC}/twilio/keypress/${callId}"`);
    expect(call.form.Twiml).toContain('Press 1 to acknowledge, press 2 to pass it to the next person.');
  });

  it('signed status callbacks move a delivery to delivered and read, shown in the channel message; repeated or older ones never move it back', async () => {
    const { alert, channel } = await raiseForJane();
    const whatsapp = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    const id = deliveryIdOf(whatsapp);
    for (const status of ['sent', 'delivered', 'read']) {
      expect(await twilio(`/twilio/status/${id}`, { MessageSid: whatsapp.sid!, MessageStatus: status, To: `whatsapp:${JANE}` })).toMatchObject({ status: 204, body: '' });
    }
    const read = await row(id);
    expect(read).toMatchObject({ status: 'sent', provider_status: 'read', delivered_at: expect.any(Date), read_at: expect.any(Date) });
    // Twilio repeats callbacks and they cross: neither a repeat nor an older status changes anything.
    expect((await twilio(`/twilio/status/${id}`, { MessageSid: whatsapp.sid!, MessageStatus: 'delivered' })).status).toBe(204);
    expect((await twilio(`/twilio/status/${id}`, { MessageSid: whatsapp.sid!, MessageStatus: 'read' })).status).toBe(204);
    expect(await row(id)).toEqual(read);

    const updated = await paging.slack.waitForCall('chat.update', (c) => c.args.channel === channel && blocksOf(c).includes('WhatsApp read'), 10_000);
    expect(blocksOf(updated)).toMatch(/<@U0JANE>: WhatsApp \+ call[^"]*WhatsApp read <!date\^\d+\^\{time\}/);
    const dto = (await backendClient.getAlert('T0TW', alert.number, { requestId: `get-${alert.number}` })).targets[0]!;
    expect(dto.receipts).toEqual([{ channel: 'whatsapp', status: 'read', at: expect.any(String) }]);
  });

  it('an undelivered WhatsApp message brings an SMS to the same number, once', async () => {
    const { alert } = await raiseForJane();
    const whatsapp = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    const id = deliveryIdOf(whatsapp);
    const undelivered = { MessageSid: whatsapp.sid!, MessageStatus: 'undelivered', ErrorCode: '63016' };
    expect((await twilio(`/twilio/status/${id}`, undelivered)).status).toBe(204);
    expect((await twilio(`/twilio/status/${id}`, undelivered)).status).toBe(204);
    expect((await twilio(`/twilio/status/${id}`, { ...undelivered, MessageStatus: 'failed' })).status).toBe(204);

    const sms = await paging.twilio.waitForMessage((m) => m.form.To === JANE && forAlert(alert)(m));
    expect(sms.form.StatusCallback).toMatch(/\/twilio\/status\//);
    const rows = await paging.db.manyOrNone("SELECT channel, fallback_of FROM deliveries WHERE alert_id = $1 AND channel = 'sms'", [alert.id]);
    expect(rows).toEqual([{ channel: 'sms', fallback_of: id }]);
    expect(await row(id)).toMatchObject({ status: 'sent', provider_status: 'undelivered' });
  });
});

describe('answering from the phone', () => {
  it('keypress 1 acknowledges exactly once, and a repeat gets the same answer; the Slack message says who, and the thread how (by phone)', async () => {
    const { alert, channel } = await raiseForJane();
    const call = await paging.twilio.waitForCall((c) => c.form.To === JANE && forAlert(alert)(c));
    const id = deliveryIdOf(call);
    const first = await twilio(`/twilio/keypress/${id}`, { CallSid: call.sid!, Digits: '1', To: JANE });
    expect(first).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/xml/) });
    expect(first.body).toContain(`<Say>Alert ${alert.number} acknowledged. Thank you. Goodbye.</Say><Hangup/>`);
    // Twilio's retry, or a replay of the signed request: the first answer again, and nothing done.
    const again = await twilio(`/twilio/keypress/${id}`, { CallSid: call.sid!, Digits: '1', To: JANE });
    expect(again).toEqual(first);

    const events = await paging.db.manyOrNone("SELECT actor, note FROM alert_events WHERE alert_id = $1 AND kind = 'acknowledged'", [alert.id]);
    expect(events).toEqual([{ actor: 'slack:U0JANE', note: 'by phone (pressed 1 on the call)' }]);
    await paging.slack.waitForCall('chat.update', (c) => c.args.channel === channel && blocksOf(c).includes('*Acknowledged* by <@U0JANE>'), 10_000);
    await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === channel && String(c.args.text).includes(`<@U0JANE> acknowledged #${alert.number} by phone`), 10_000);
  });

  it('an SMS reply "ack N" from a number that was not paged for #N is refused and changes nothing; from the paged number, with the page\'s code, it acknowledges', async () => {
    const { alert } = await raiseForJane();
    const page = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    const handle = /reply "ack ([^"]+)"/.exec(page.form.Body ?? '')![1]!;
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.address === JANE && d.status === 'sent'));

    const refused = await twilio('/twilio/inbound', { MessageSid: 'SM' + 'a'.repeat(32), From: STRANGER, To: TWILIO.smsFrom, Body: `ack ${alert.number}` });
    expect(refused.status).toBe(200);
    expect(refused.body).toContain(`<Message>Sorry, this number was not paged for #${alert.number}`);
    expect(await paging.db.one('SELECT status FROM alerts WHERE id = $1', [alert.id])).toEqual({ status: 'triggered' });

    const help = await twilio('/twilio/inbound', { MessageSid: 'SM' + 'b'.repeat(32), From: STRANGER, To: TWILIO.smsFrom, Body: 'HELP' });
    expect(help.body).toMatch(/<Message>Klaxon pages you[^<]*ack 42/);

    const acked = await twilio('/twilio/inbound', { MessageSid: 'SM' + 'c'.repeat(32), From: `whatsapp:${JANE}`, To: TWILIO.whatsappFrom, Body: ` Ack #${handle.toLowerCase()} ` });
    expect(acked.body).toContain(`<Message>Klaxon: #${alert.number} acknowledged.</Message>`);
    expect(await paging.db.one('SELECT status, acknowledged_by FROM alerts WHERE id = $1', [alert.id])).toEqual({ status: 'acknowledged', acknowledged_by: 'slack:U0JANE' });
    const event = await paging.db.one("SELECT note FROM alert_events WHERE alert_id = $1 AND kind = 'acknowledged'", [alert.id]);
    expect(event.note).toBe('by WhatsApp reply');
  });

  it('a machine-answered call is not "reached", and the next escalation round comes at once', async () => {
    const { alert } = await raiseForJane();
    const call = await paging.twilio.waitForCall((c) => c.form.To === JANE && forAlert(alert)(c));
    const id = deliveryIdOf(call);
    // Asynchronous detection: the verdict may come before or after the call's own in-progress callback.
    expect((await twilio(`/twilio/status/${id}`, { CallSid: call.sid!, AnsweredBy: 'machine_start' })).status).toBe(204);
    expect((await twilio(`/twilio/status/${id}`, { CallSid: call.sid!, CallStatus: 'in-progress' })).status).toBe(204);

    // Round 1 (ESCALATE_AFTER is 5 minutes here) calls again now, with a delivery of its own.
    const next = await paging.twilio.waitForCall((c) => c.form.To === JANE && forAlert(alert)(c) && c.sid !== call.sid, 10_000);
    expect(deliveryIdOf(next)).not.toBe(id);
    const rounds = await paging.db.manyOrNone("SELECT round FROM deliveries WHERE alert_id = $1 AND channel = 'voice' ORDER BY round", [alert.id]);
    expect(rounds).toEqual([{ round: 0 }, { round: 1 }]);
    expect(await row(id)).toMatchObject({ answered_by: 'machine' });
    // A repeated verdict does not run round 2.
    expect((await twilio(`/twilio/status/${id}`, { CallSid: call.sid!, AnsweredBy: 'machine_start' })).status).toBe(204);
    expect(await paging.db.manyOrNone("SELECT round FROM deliveries WHERE alert_id = $1 AND channel = 'voice' ORDER BY round", [alert.id])).toEqual(rounds);

    const dto = (await backendClient.getAlert('T0TW', alert.number, { requestId: `get-m-${alert.number}` })).targets[0]!;
    expect(dto.receipts).toEqual([{ channel: 'voice', status: 'voicemail', at: expect.any(String) }]);
  });
});

describe('npm run twilio', () => {
  const SCRIPT = path.resolve(__dirname, '../../scripts/dist/twilio.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'klaxon-twilio-cli-'));

  /** The built script, as `npm run twilio -- …` runs it, against this gateway and signing as Twilio would. */
  function runTwilio(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npm run build first`);
    const env = { PATH: process.env.PATH ?? '', KLAXON_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: TWILIO.authToken, PUBLIC_BASE_URL: PUBLIC };
    return new Promise((resolve) => {
      execFile(process.execPath, [SCRIPT, ...args, '--url', gatewayUrl], { cwd: dataDir, env }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  it('replaying the same signed inbound "ack" acts once: the replay gets the first answer and leaves a newer alert alone', async () => {
    const phone = '+14155550161';
    const pageOf = async (message: string) => {
      const alert = await paging.raise({ tenant_id: 'T0TWCLI', message, severity: 'high', targets: [{ phone }] });
      await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.status === 'sent'));
      return alert;
    };
    const first = await pageOf('checkout is down');

    const acked = await runTwilio('reply', 'ack', '--from', phone);
    expect(acked).toMatchObject({ code: 0, stdout: expect.stringContaining(`<Message>Klaxon: #${first.number} acknowledged.</Message>`) });
    const newer = await pageOf('disk full');
    const replayed = await runTwilio('replay');

    expect(replayed).toEqual(acked);
    expect(await paging.db.one('SELECT status FROM alerts WHERE id = $1', [newer.id])).toEqual({ status: 'triggered' });
    expect(await paging.db.manyOrNone("SELECT alert_id FROM alert_events WHERE kind = 'acknowledged' AND alert_id IN ($1, $2)", [first.id, newer.id])).toEqual([{ alert_id: first.id }]);
  });
});

describe('npm run slash', () => {
  const SCRIPT = path.resolve(__dirname, '../../scripts/dist/slash.js');

  it('prints `list` with the times Slack would render shown as text, not as <!date> markup', async () => {
    if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run npm run build first`);
    const { alert } = await raiseForJane();
    const whatsapp = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${JANE}` && forAlert(alert)(m));
    expect((await twilio(`/twilio/status/${deliveryIdOf(whatsapp)}`, { MessageSid: whatsapp.sid!, MessageStatus: 'read' })).status).toBe(204);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'klaxon-slash-cli-'));
    const env = { PATH: process.env.PATH ?? '', KLAXON_DATA_DIR: dataDir, SLACK_SIGNING_SECRET: SIGNING_SECRET };
    const listed = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [SCRIPT, 'list', '--team', 'T0TW', '--url', `${gatewayUrl}/slack/events`], { cwd: dataDir, env }, (error, stdout) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
      });
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\*#${alert.number}\\* critical: checkout is down — triggered`));
    expect(listed.stdout).toMatch(/◦ <@U0JANE>: WhatsApp read \d\d:\d\d UTC/);
    expect(listed.stdout).not.toContain('<!date');
  });
});

describe('STOP and START', () => {
  // Last: Jane is paged differently afterwards.
  it('STOP records the person opting out of that channel and tells Slack; START opts back in', async () => {
    const { alert, channel } = await raiseForJane();
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.address === JANE && d.status === 'sent'));

    const stop = await twilio('/twilio/inbound', { MessageSid: 'SM' + 'd'.repeat(32), From: `whatsapp:${JANE}`, To: TWILIO.whatsappFrom, Body: 'STOP' });
    expect(stop).toMatchObject({ status: 200, body: expect.stringContaining('<Response/>') });
    expect(await paging.db.one("SELECT channels FROM contacts WHERE tenant_id = 'T0TW' AND slack_user_id = 'U0JANE'")).toEqual({ channels: ['voice', 'sms'] });
    await paging.slack.waitForCall('chat.postMessage', (c) => c.args.channel === channel && String(c.args.text).includes('<@U0JANE> opted out of WhatsApp'), 10_000);
    const next = await raiseForJane();
    expect(next.alert.targets[0]!.channels).not.toContain('whatsapp');

    const start = await twilio('/twilio/inbound', { MessageSid: 'SM' + 'e'.repeat(32), From: `whatsapp:${JANE}`, To: TWILIO.whatsappFrom, Body: 'start' });
    expect(start.body).toContain('<Message>Klaxon: you will get pages by WhatsApp again.</Message>');
    expect(await paging.db.one("SELECT channels FROM contacts WHERE tenant_id = 'T0TW' AND slack_user_id = 'U0JANE'")).toEqual({ channels: ['voice', 'sms', 'whatsapp'] });
  });
});
