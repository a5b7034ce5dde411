import request from 'supertest';
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
    expect(alert.targets).toEqual([{ slack_user_id: 'U0JANE', name: 'jane', phone: '+1******0101', email: null, status: 'paging', channels: ['whatsapp', 'voice'], reason: null }]);

    const message = await paging.twilio.waitForMessage(undefined, 10_000);
    const call = await paging.twilio.waitForCall(undefined, 10_000);
    expect(message.form).toMatchObject({ To: 'whatsapp:+14155550101', From: TWILIO.whatsappFrom, Body: expect.stringContaining('#1 CRITICAL: checkout is down') });
    expect(call.form).toMatchObject({ To: '+14155550101', From: TWILIO.voiceFrom });
    expect(call.form.Twiml).toMatch(/<Say[^>]*>Klaxon alert number 1, severity critical: checkout is down\.<\/Say>.*<Say[^>]*>Klaxon alert number 1/s);

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
