import { PassThrough } from 'node:stream';
import { createLogger } from '@klaxon/logger';
import { startFakeTwilio, type FakeTwilio } from '@klaxon/testing';
import type { Channel } from '@klaxon/contracts';
import type { OutboundMessage } from '../../src/channels/channel';
import { ChannelRegistry } from '../../src/channels/channel-registry';
import { twilioChannels } from '../../src/twilio/twilio.channels';
import { LogChannel } from '../../src/channels/log.channel';
import { TwilioSmsChannel } from '../../src/twilio/twilio-sms.channel';
import { TwilioVoiceChannel } from '../../src/twilio/twilio-voice.channel';
import { TwilioWhatsAppChannel } from '../../src/twilio/twilio-whatsapp.channel';
import { createTwilioClient } from '../../src/twilio/twilio-client';
import { notifyFailureOf } from './notify-failure';

interface TwilioSenders {
  whatsappFrom?: string;
  smsFrom?: string;
  voiceFrom?: string;
}

const accountSid = `AC${'c'.repeat(32)}`;
const authToken = 'notifier-test-token';
const senders: TwilioSenders = { whatsappFrom: 'whatsapp:+14155238886', smsFrom: '+14155550100', voiceFrom: '+14155550199' };
const alert = {
  id: '7f0c5a1e-0000-4000-8000-000000000042',
  tenantId: 'acme',
  number: 42,
  replyCode: 'K7',
  severity: 'critical' as const,
  message: 'checkout is down',
  origin: 'api' as const,
  inSlack: true,
  createdAt: new Date('2026-11-30T10:00:00Z'),
  raisedBy: 'billing-api',
  paged: [],
};
type PhoneChannel = Extract<Channel, 'whatsapp' | 'sms' | 'voice'>;
const page = (channel: PhoneChannel, message = alert.message) => ({ channel, message: { to: '+14155550101', alert: { ...alert, message }, now: alert.createdAt } satisfies OutboundMessage });
// Never called: these tests send on phone channels only.

let fake: FakeTwilio;
let lines: string[];
const logger = () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return createLogger({ service: 'backend', level: 'debug', format: 'json', stream });
};
/** The Twilio channel for a page, built as the registry builds it but with a test timeout and senders. */
const notifier = (options: { contentSid?: string; timeoutMs?: number; senders?: TwilioSenders; authToken?: string } = {}) => {
  const client = createTwilioClient({ accountSid, authToken: options.authToken ?? authToken, apiBaseUrl: fake.url, timeoutMs: options.timeoutMs ?? 2_000 });
  const from = options.senders ?? senders;
  const channels = {
    whatsapp: new TwilioWhatsAppChannel({ client, from: from.whatsappFrom, contentSid: options.contentSid, logger: logger() }),
    sms: new TwilioSmsChannel({ client, from: from.smsFrom, logger: logger() }),
    voice: new TwilioVoiceChannel({ client, from: from.voiceFrom, logger: logger() }),
  };
  return { send: ({ channel, message }: ReturnType<typeof page>) => channels[channel].send(message) };
};

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid, authToken });
});
beforeEach(() => {
  fake.reset();
  lines = [];
});
afterAll(() => fake.close());

describe('Twilio channels', () => {
  it('sends WhatsApp with the whatsapp: prefix, the sender and a free-form body', async () => {
    const { providerMessageId: providerId } = await notifier().send(page('whatsapp'));

    const [sent, ...others] = fake.messages();
    expect(others).toHaveLength(0);
    expect(sent?.form).toEqual({
      To: 'whatsapp:+14155550101',
      From: 'whatsapp:+14155238886',
      Body: '🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42',
    });
    expect(providerId).toBe(sent?.sid);
    expect(providerId).toMatch(/^SM/);
  });

  it('with a StatusCallback, tells people what to reply: the number and the alert\'s code', async () => {
    const withCallbacks = { ...page('sms').message, deliveryId: '6f1c2b7e-0000-4000-8000-00000000abcd', callbackBase: 'https://klaxon.test/twilio' };
    await notifier().send({ channel: 'sms', message: withCallbacks });
    await notifier().send({ channel: 'whatsapp', message: withCallbacks });

    for (const sent of fake.messages()) {
      expect(sent.form.Body).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — reply "ack 42-K7" or run /alert ack 42 in Slack');
      expect(sent.form.StatusCallback).toBe('https://klaxon.test/twilio/status/6f1c2b7e-0000-4000-8000-00000000abcd');
    }
    expect(fake.messages()).toHaveLength(2);
  });

  it('sends the approved template (ContentSid + ContentVariables, no Body) when one is configured', async () => {
    await notifier({ contentSid: 'HX0123456789abcdef0123456789abcdef' }).send(page('whatsapp'));

    const form = fake.messages()[0]?.form;
    expect(form).toMatchObject({ To: 'whatsapp:+14155550101', From: 'whatsapp:+14155238886', ContentSid: 'HX0123456789abcdef0123456789abcdef' });
    expect(JSON.parse(form?.ContentVariables ?? '')).toEqual({ '1': '#42', '2': 'CRITICAL', '3': 'checkout is down' });
    expect(form).not.toHaveProperty('Body');
  });

  it('adds the whatsapp: prefix to a bare sender number', async () => {
    await notifier({ senders: { whatsappFrom: '+14155238886' } }).send(page('whatsapp'));

    expect(fake.messages()[0]?.form.From).toBe('whatsapp:+14155238886');
  });

  it('sends SMS from the SMS sender as plain text', async () => {
    await notifier().send(page('sms'));

    expect(fake.messages()[0]?.form).toEqual({ To: '+14155550101', From: '+14155550100', Body: '🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42' });
  });

  it('calls with TwiML that says number, severity and message twice, XML-escaped', async () => {
    const { providerMessageId: providerId } = await notifier().send(page('voice', 'db <primary> & replica "down"'));

    const [call] = fake.calls();
    expect(providerId).toMatch(/^CA/);
    expect(call?.form).toMatchObject({ To: '+14155550101', From: '+14155550199' });
    const speech = 'Klaxon alert number 42, severity critical: db &lt;primary&gt; &amp; replica "down". To acknowledge, run slash alert ack 42 in Slack.';
    expect(call?.form.Twiml).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${speech}</Say><Pause length="1"/><Say>${speech}</Say></Response>`);
    expect(call?.form.Twiml).not.toContain('<primary>');
  });

  it('invites no reply on a channel that does not declare `replies`, callbacks or not (the capability is read)', async () => {
    const client = createTwilioClient({ accountSid, authToken, apiBaseUrl: fake.url, timeoutMs: 2_000 });
    class MuteSms extends TwilioSmsChannel {
      readonly capabilities = { statusCallbacks: true, replies: false };
    }
    class MuteVoice extends TwilioVoiceChannel {
      readonly capabilities = { statusCallbacks: true, replies: false };
    }
    const withCallbacks = { ...page('sms').message, deliveryId: '6f1c2b7e-0000-4000-8000-00000000abcd', callbackBase: 'https://klaxon.test/twilio' };

    await new MuteSms({ client, from: senders.smsFrom, logger: logger() }).send(withCallbacks);
    await new MuteVoice({ client, from: senders.voiceFrom, logger: logger() }).send(withCallbacks);

    expect(fake.messages()[0]?.form).toMatchObject({
      Body: '🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42',
      StatusCallback: 'https://klaxon.test/twilio/status/6f1c2b7e-0000-4000-8000-00000000abcd',
    });
    const twiml = fake.calls()[0]?.form.Twiml ?? '';
    expect(twiml).not.toContain('<Gather');
    expect(twiml).toContain('To acknowledge, run slash alert ack 42 in Slack.');
  });

  it('refuses a channel whose sender is not configured, naming the variable, without calling Twilio', async () => {
    const error = await notifyFailureOf(notifier({ senders: { whatsappFrom: senders.whatsappFrom } }).send(page('voice')));

    expect(error).toMatchObject({ kind: 'permanent', code: 'sender_not_configured', alarm: true });
    expect(error.detail).toMatch(/TWILIO_VOICE_FROM is not set/);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    { case: 'a 500', status: 500, code: 20500, kind: 'transient', alarm: false },
    { case: 'a 429 (20429)', status: 429, code: 20429, kind: 'transient', alarm: false },
    { case: 'an invalid To (21211)', status: 400, code: 21211, kind: 'permanent', alarm: false },
    { case: 'the 24-hour window (63016)', status: 400, code: 63016, kind: 'permanent', alarm: false },
  ])('classifies $case as $kind', async ({ status, code, kind, alarm }) => {
    fake.failNext(1, { status, code, message: `scripted ${code}` });

    const error = await notifyFailureOf(notifier().send(page('whatsapp')));

    expect(error).toMatchObject({ kind, alarm, code: String(code), status });
  });

  it('classifies wrong credentials (20003) as permanent and raises the alarm loudly in the log, masked', async () => {
    const intruder = notifier({ authToken: 'wrong-token' });

    const error = await notifyFailureOf(intruder.send(page('sms')));

    expect(error).toMatchObject({ kind: 'permanent', code: '20003', status: 401, alarm: true });
    const alarmLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'error');
    expect(alarmLine).toMatchObject({ message: expect.stringMatching(/TWILIO SETUP BROKEN/), errorCode: '20003', to: '+1 ******0101' });
    expect(lines.join('\n')).not.toContain('+14155550101');
    expect(lines.join('\n')).not.toContain('wrong-token');
  });

  it('classifies a dropped connection as transient', async () => {
    fake.dropNext(1);

    const error = await notifyFailureOf(notifier().send(page('sms')));

    expect(error).toMatchObject({ kind: 'transient', status: null, code: 'ECONNRESET' });
  });

  it('classifies an answer later than the timeout as transient', async () => {
    fake.delayNext(500);

    const error = await notifyFailureOf(notifier({ timeoutMs: 100 }).send(page('sms')));

    expect(error).toMatchObject({ kind: 'transient', status: null });
    expect(error.detail).toMatch(/^network error: /);
  });
});

describe('twilioChannels', () => {
  it('uses Twilio when credentials are configured, and registers WhatsApp → SMS as the fallback', async () => {
    const registry = ChannelRegistry.of(twilioChannels({ twilio: { accountSid, authToken, apiBaseUrl: fake.url, ...senders } }, logger()));

    await registry.sender('sms').send(page('sms').message);

    expect(registry.sender('sms').provider).toBe('twilio');
    expect(registry.fallbackOf('whatsapp')).toBe('sms');
    expect(registry.sender('voice').capabilities).toEqual({ statusCallbacks: true, replies: true });
    expect(fake.messages()).toHaveLength(1);
  });

  it('declares each channel’s label, role and address, the same for Twilio and for the log standing in for it', async () => {
    const traits = (registry: ChannelRegistry) => registry.list().map(({ channel, label, role, address }) => ({ channel, label, role, address }));
    const twilio = ChannelRegistry.of(twilioChannels({ twilio: { accountSid, authToken, apiBaseUrl: fake.url, ...senders } }, logger()));
    const logged = ChannelRegistry.of(twilioChannels({ twilio: null }, logger()));

    expect(traits(twilio)).toEqual([
      { channel: 'whatsapp', label: 'WhatsApp', role: 'message', address: 'phone' },
      { channel: 'sms', label: 'SMS', role: 'message', address: 'phone' },
      { channel: 'voice', label: 'call', role: 'call', address: 'phone' },
    ]);
    expect(traits(logged)).toEqual(traits(twilio));
    // Of the two message channels the policy pages WhatsApp first: it is registered first.
    expect(twilio.byRole()).toEqual({ message: ['whatsapp', 'sms'], call: ['voice'] });
  });

  it('falls back to the log channel without credentials: it logs the masked page at warn and sends nothing', async () => {
    const registry = ChannelRegistry.of(twilioChannels({ twilio: null }, logger()));

    const { providerMessageId } = await registry.sender('whatsapp').send(page('whatsapp').message);

    expect(registry.sender('whatsapp')).toBeInstanceOf(LogChannel);
    expect(providerMessageId).toMatch(/^log-[0-9a-f-]{36}$/);
    const [line] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ level: 'warn', message: 'would send whatsapp to +1 ******0101: 🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42' });
    expect(fake.requests).toHaveLength(0);
  });
});
