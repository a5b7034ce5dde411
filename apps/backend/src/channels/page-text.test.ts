import { EDGE_MESSAGES, LONE_SURROGATE } from '@klaxon/testing';
import { channelReminderText, pageSpeech, pageTemplateVariables, pageText, TWILIO_LIMITS } from './page-text';
import { voiceTwiml } from '../twilio/twilio-voice.channel';

const alert = { id: 'a1', number: 42, replyCode: 'K7', severity: 'critical' as const, message: 'checkout is down', inSlack: true };

describe('page texts', () => {
  it('writes the page with number, severity, message and how to acknowledge', () => {
    expect(pageText(alert)).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — reply in Slack or run /alert ack 42');
  });

  it('with replies, says what to type back: the number and the alert\'s code', () => {
    expect(pageText(alert, { replies: true })).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — reply "ack 42-K7" or run /alert ack 42 in Slack');
    expect(pageText({ ...alert, inSlack: false }, { replies: true })).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — reply "ack 42-K7"');
  });

  it('does not send people to Slack for an alert that is not in Slack', () => {
    const outside = { ...alert, inSlack: false };
    expect(pageText(outside)).toBe('🚨 Klaxon #42 CRITICAL: checkout is down — acknowledge #42 where it was raised');
    expect(pageSpeech(outside)).toBe('Klaxon alert number 42, severity critical: checkout is down. To acknowledge, acknowledge alert 42 where it was raised.');
    for (const text of [pageText(outside), pageSpeech(outside)]) expect(text).not.toMatch(/slack/i);
  });

  it('fills the WhatsApp template placeholders', () => {
    expect(pageTemplateVariables(alert)).toEqual({ '1': '#42', '2': 'CRITICAL', '3': 'checkout is down' });
  });

  it('speaks the message once, without doubling the final punctuation, then how to acknowledge', () => {
    expect(pageSpeech(alert)).toBe('Klaxon alert number 42, severity critical: checkout is down. To acknowledge, run slash alert ack 42 in Slack.');
    expect(pageSpeech({ ...alert, message: 'db on fire!! ' })).toBe('Klaxon alert number 42, severity critical: db on fire. To acknowledge, run slash alert ack 42 in Slack.');
  });

  it('names who was paged in the channel reminder, and no caller text', () => {
    const reminder = channelReminderText({ ...alert, message: '<!channel>', createdAt: new Date(0), paged: ['U1'] }, new Date(5 * 60_000));
    expect(reminder).toBe('⏰ #42 (critical) is still not acknowledged after 5 min — <@U1> paged. Can someone take it? `/alert ack 42`');
  });
});

/**
 * One row per channel: the text built for a message, its provider's limit, and how the number and the way
 * to acknowledge read in it. The whole page must always fit; only the message is cut.
 */
const CHANNELS = [
  { channel: 'SMS / WhatsApp body', limit: TWILIO_LIMITS.messageBody, build: (message: string) => pageText({ ...alert, message }), mustSay: ['#42', '/alert ack 42'] },
  { channel: 'SMS / WhatsApp body taking replies', limit: TWILIO_LIMITS.messageBody, build: (message: string) => pageText({ ...alert, message }, { replies: true }), mustSay: ['#42', 'reply "ack 42-K7"'] },
  { channel: 'WhatsApp template {{3}}', limit: TWILIO_LIMITS.templateVariable, build: (message: string) => pageTemplateVariables({ ...alert, message })['3']!, mustSay: [] },
  {
    channel: 'voice TwiML (said twice)',
    limit: TWILIO_LIMITS.twiml,
    build: (message: string) => voiceTwiml({ ...alert, message }),
    mustSay: ['alert number 42', 'slash alert ack 42'],
  },
];

// The longest message (of `unit`s) whose page is sent whole: at the limit exactly, or as close as the unit allows.
function longestWhole(build: (m: string) => string, limit: number, unit: string): string {
  let n = 0;
  while (!build(unit.repeat(n + 1)).includes('…') && build(unit.repeat(n + 1)).length <= limit) n++;
  return unit.repeat(n);
}

describe.each(CHANNELS)('$channel fits its limit ($limit UTF-16 code units)', ({ limit, build, mustSay }) => {
  it.each([...EDGE_MESSAGES, ['only characters XML escaping grows', '<&>"\''.repeat(1000)] as const])('%s', (_name, message) => {
    const text = build(message);
    expect(text.length).toBeLessThanOrEqual(limit);
    for (const phrase of mustSay) expect(text).toContain(phrase);
    expect(text).not.toMatch(LONE_SURROGATE);
    if (message.length > limit) expect(text).toContain('…');
  });

  it('sends the message whole up to the limit, and cuts it with … one character past it', () => {
    const whole = longestWhole(build, limit, 'x');
    const atLimit = build(whole);
    expect(atLimit).not.toContain('…');
    // Built from 'x', the page grows by one unit per character (two when said twice): the limit is met exactly or within one.
    expect(limit - atLimit.length).toBeLessThan(limit === TWILIO_LIMITS.twiml ? 2 : 1);
    const past = build(`${whole}x`);
    expect(past).toContain('…');
    expect(past.length).toBeLessThanOrEqual(limit);
    for (const phrase of mustSay) expect(past).toContain(phrase);
  });
});
