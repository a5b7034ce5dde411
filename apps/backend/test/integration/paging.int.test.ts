import request from 'supertest';
import { createTwilioClient } from '../../src/twilio/twilio-client';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, TWILIO, type PagingHarness } from './paging-harness';

let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness({ notify: { maxAttempts: 4, retryBaseMs: 100 } });
  paging.slack.setUser('U0JANE', { real_name: 'Jane Doe', profile: { phone: '(415) 555-0101', display_name: 'jane' } });
});
afterAll(() => paging.close());
beforeEach(() => paging.twilio.reset());

const eventKinds = async (alertId: string) =>
  (await request(paging.app).get(`/alerts/${alertId}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events.map((e: { kind: string }) => e.kind) as string[];

describe('paging through Twilio', () => {
  it('pages a critical alert with one WhatsApp and one call to the E.164 number from the Slack profile, from the right senders', async () => {
    const alert = await paging.raise({ tenant_id: 'T-PAGE', message: 'checkout is down', severity: 'critical', targets: [{ slack_user_id: 'U0JANE' }] });
    expect(alert.targets).toEqual([{ slack_user_id: 'U0JANE', name: 'jane', phone: '+1 ******0101', email: null, status: 'paging', channels: ['whatsapp', 'voice'], reason: null, held: null, receipts: [] }]);

    const message = await paging.twilio.waitForMessage(undefined, 10_000);
    const call = await paging.twilio.waitForCall(undefined, 10_000);
    expect(message.form).toMatchObject({ To: 'whatsapp:+14155550101', From: TWILIO.whatsappFrom, Body: expect.stringContaining('#1 CRITICAL: checkout is down') });
    expect(call.form).toMatchObject({ To: '+14155550101', From: TWILIO.voiceFrom });
    expect(call.form.Twiml).toMatch(/<Say[^>]*>Klaxon alert number 1, severity critical: checkout is down\. Press 1 to acknowledge, press 2 to pass it to the next person\.<\/Say>.*<Say[^>]*>Klaxon alert number 1/s);

    const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.every((d) => d.status === 'sent'));
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts, d.providerMessageId?.slice(0, 2)]).sort()).toEqual([
      ['voice', 'sent', 1, 'CA'],
      ['whatsapp', 'sent', 1, 'SM'],
    ]);
    expect(succeeded(paging.twilio.messages())).toHaveLength(1);
    expect(succeeded(paging.twilio.calls())).toHaveLength(1);
    expect((await eventKinds(alert.id)).filter((k) => k === 'notification.sent')).toHaveLength(2);
  });

  it('retries 500, 500, then delivers once, with three attempts recorded', async () => {
    paging.twilio.failNext(2, { status: 500, code: 20500, message: 'Internal Server Error' });
    const alert = await paging.raise({ tenant_id: 'T-RETRY', message: 'db slow', severity: 'high', targets: [{ phone: '+14155550102' }] });
    const [delivery] = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds[0]?.status === 'sent');
    expect(delivery).toMatchObject({ channel: 'whatsapp', status: 'sent', attempts: 3 });
    expect(paging.twilio.messages().map((m) => m.responseStatus)).toEqual([500, 500, 201]);
    expect(await eventKinds(alert.id)).toEqual(['created', 'notification.retrying', 'notification.retrying', 'notification.sent']);
  });

  it('does not retry 21211: one attempt per channel, the failure recorded with its code and shown in the timeline', async () => {
    paging.twilio.respondWith((req) =>
      req.form.To?.endsWith('+14155550103') ? { type: 'error', status: 400, code: 21211, message: "The 'To' number +14155550103 is not a valid phone number." } : undefined,
    );
    try {
      const alert = await paging.raise({ tenant_id: 'T-INVALID', message: 'disk', severity: 'high', targets: [{ phone: '+14155550103' }] });
      // DESIGN: a permanent WhatsApp failure falls back to SMS once; the SMS is refused the same way. Nothing is retried.
      const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 2 && ds.every((d) => d.status === 'failed'));
      expect(deliveries.map((d) => [d.channel, d.status, d.attempts, d.errorCode])).toEqual([
        ['whatsapp', 'failed', 1, '21211'],
        ['sms', 'failed', 1, '21211'],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(paging.twilio.messages()).toHaveLength(2);
      const events = (await request(paging.app).get(`/alerts/${alert.id}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events;
      expect(events.filter((e: { kind: string }) => e.kind === 'notification.failed').map((e: { data: { code: string; permanent: boolean } }) => [e.data.code, e.data.permanent])).toEqual([
        ['21211', true],
        ['21211', true],
      ]);
    } finally {
      paging.twilio.respondWith(undefined);
    }
  });

  it("masks the number Twilio's 21211 text names, in the deliveries, the timeline and the alert's Slack thread", async () => {
    const number = '+14155553101';
    paging.twilio.respondWith((req) =>
      req.form.To?.endsWith(number) ? { type: 'error', status: 400, code: 21211, message: `The 'To' number ${number} is not a valid phone number.` } : undefined,
    );
    // The thread is told only once the alert's channel message exists, so the first page waits for it.
    const channelMessage = paging.eventually(
      () => paging.db.oneOrNone<{ slack_message_ts: string | null }>('SELECT slack_message_ts FROM alerts WHERE tenant_id = $1', ['T-MASKED']),
      (row) => typeof row?.slack_message_ts === 'string',
    );
    paging.twilio.holdNext(channelMessage);
    try {
      const alert = await paging.raise({
        tenant_id: 'T-MASKED',
        message: 'disk full',
        severity: 'high',
        targets: [{ phone: number }],
        slack: { channel_id: 'C0MASKED', user_id: 'U0CALLER' },
      });
      const ts = (await channelMessage)?.slack_message_ts;
      // WhatsApp is refused, the SMS fallback too; the SMS failure is told in the thread.
      await paging.slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === ts && String(c.args.text).includes('SMS'), 10_000);
      await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 2 && ds.every((d) => d.status === 'failed'));
      const stored = await paging.db.map('SELECT error_detail FROM deliveries WHERE alert_id = $1', [alert.id], (row: { error_detail: string }) => row.error_detail);
      const events = (await request(paging.app).get(`/alerts/${alert.id}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as Array<{ kind: string; data: { detail?: string } }>;
      const thread = paging.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === ts).map((c) => String(c.args.text));

      const shown = [
        ...stored,
        ...events.filter((e) => e.kind === 'notification.failed').map((e) => e.data.detail),
        ...thread,
      ];
      expect(shown.length).toBeGreaterThanOrEqual(5);
      for (const text of shown) {
        expect(text).toContain("The 'To' number +1 ******3101 is not a valid phone number.");
        expect(text).not.toContain('4155553101');
      }
      expect(JSON.stringify(events)).not.toContain('4155553101');
    } finally {
      paging.twilio.respondWith(undefined);
    }
  });

  it('falls back to SMS when WhatsApp answers 63016 (outside the 24-hour window)', async () => {
    paging.twilio.respondWith((req) =>
      req.form.To?.startsWith('whatsapp:') ? { type: 'error', status: 400, code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.' } : undefined,
    );
    try {
      const alert = await paging.raise({ tenant_id: 'T-FALLBACK', message: 'queue stuck', severity: 'high', targets: [{ phone: '+14155550104' }] });
      const sms = await paging.twilio.waitForMessage((m) => m.form.To === '+14155550104', 10_000);
      expect(sms.form).toMatchObject({ From: TWILIO.smsFrom, Body: expect.stringContaining('queue stuck') });
      const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.channel === 'sms' && d.status === 'sent'));
      const whatsapp = deliveries.find((d) => d.channel === 'whatsapp')!;
      expect(whatsapp).toMatchObject({ status: 'failed', errorCode: '63016', attempts: 1 });
      expect(deliveries.find((d) => d.channel === 'sms')).toMatchObject({ fallbackOf: whatsapp.id, attempts: 1 });
      expect(await eventKinds(alert.id)).toEqual(expect.arrayContaining(['notification.failed', 'notification.fallback', 'notification.sent']));
    } finally {
      paging.twilio.respondWith(undefined);
    }
  });

  it('gives up after the configured attempts on a Twilio that keeps failing', async () => {
    paging.twilio.failNext(10, { status: 503, code: 20503, message: 'Service Unavailable' });
    const alert = await paging.raise({ tenant_id: 'T-GIVEUP', message: 'x', severity: 'high', targets: [{ phone: '+14155550105' }] });
    const [delivery] = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds[0]?.status === 'failed');
    expect(delivery).toMatchObject({ attempts: 4, errorCode: '20503' });
    expect(paging.twilio.messages()).toHaveLength(4);
  });
});

describe('a long alert', () => {
  // 1,950 characters, with characters that grow when escaped for XML (&, <) and an emoji (two UTF-16 units).
  const message = `Disk full on db-1 & <replicas> 🔥: ${'writes are failing on every shard, '.repeat(60)}`.slice(0, 1950);

  it('the fake Twilio refuses what Twilio refuses: a body over 1,600 (21617) and inline TwiML over 4,000 (32018)', async () => {
    const client = createTwilioClient({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken, apiBaseUrl: paging.twilio.url, timeoutMs: 2_000 });
    await expect(client.messages.create({ to: '+14155550110', from: TWILIO.smsFrom, body: 'x'.repeat(1601) })).rejects.toMatchObject({ status: 400, code: 21617 });
    await expect(client.calls.create({ to: '+14155550110', from: TWILIO.voiceFrom, twiml: `<Response><Say>${'x'.repeat(4000)}</Say></Response>` })).rejects.toMatchObject({ status: 400, code: 32018 });
  });

  it('reaches the phone by WhatsApp and by call when critical and 1,950 characters long', async () => {
    expect(message).toHaveLength(1950);
    const alert = await paging.raise({ tenant_id: 'T-LONG', message, severity: 'critical', targets: [{ phone: '+14155550111' }] });
    const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 2 && ds.every((d) => d.status !== 'queued' && d.status !== 'sending'));
    expect(deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([
      ['voice', 'sent'],
      ['whatsapp', 'sent'],
    ]);
    const [whatsapp] = succeeded(paging.twilio.messages().filter((m) => m.form.To === 'whatsapp:+14155550111'));
    const [call] = succeeded(paging.twilio.calls().filter((c) => c.form.To === '+14155550111'));
    expect(whatsapp!.form.Body!.length).toBeLessThanOrEqual(1600);
    // Raised through the API for a phone number: nothing in Slack to acknowledge it with, so the reply is the way.
    expect(whatsapp!.form.Body).toMatch(new RegExp(`^🚨 Klaxon #${alert.number} CRITICAL: Disk full on db-1 & <replicas> 🔥: writes.*… — reply "ack ${alert.number}-[2-9A-HJKMNP-TV-Z]{2}"$`, 's'));
    expect(call!.form.Twiml!.length).toBeLessThanOrEqual(4000);
    expect(call!.form.Twiml).toContain(`Klaxon alert number ${alert.number}, severity critical: Disk full on db-1 &amp; &lt;replicas&gt; 🔥`);
    expect(call!.form.Twiml!.match(new RegExp(`…\\s*Press 1 to acknowledge, press 2 to pass it to the next person\\.</Say>`, 'g'))).toHaveLength(2);
  });
});

describe('a migration while the backend runs (a rolling deploy)', () => {
  // Every page's claim, record and limit count, and every raise's contact and PagerDuty reads, are prepared
  // statements (database.ts `prepared`): PostgreSQL fixes a prepared statement's result type when it first
  // plans it, so one reading `*` would fail once a newer release's migration adds a column. They name theirs.
  const ADDED = ['alerts', 'deliveries', 'contacts', 'pagerduty_integrations'];
  afterAll(() => paging.db.none(ADDED.map((table) => `ALTER TABLE ${table} DROP COLUMN IF EXISTS added_by_a_newer_release`).join('; ')));

  it('pages as before after columns are added to the tables its prepared statements read', async () => {
    await request(paging.app).put('/contacts/T-ROLL/U0ROLL').set('x-service-key', SERVICE_KEY).send({ phone: '+14155550120' }).expect(200);
    const pageOnce = async (n: number) => {
      const alert = await paging.raise({ tenant_id: 'T-ROLL', message: `rolling ${n}`, severity: 'high', targets: [{ slack_user_id: 'U0ROLL' }] });
      const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length > 0 && ds.every((d) => d.status !== 'queued' && d.status !== 'sending'));
      return deliveries.map((d) => [d.channel, d.status]);
    };
    // Several pages first, so the statements are prepared (and past their first plans) on the pooled connections.
    for (let n = 1; n <= 6; n++) expect(await pageOnce(n)).toEqual([['whatsapp', 'sent']]);
    await paging.db.none(ADDED.map((table) => `ALTER TABLE ${table} ADD COLUMN added_by_a_newer_release integer`).join('; '));
    for (let n = 7; n <= 9; n++) expect(await pageOnce(n)).toEqual([['whatsapp', 'sent']]);
  });
});
