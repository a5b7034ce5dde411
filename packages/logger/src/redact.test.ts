import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';
import { maskEmail, maskPhone, redact, redactString } from './redact';
import { runWithContext } from './request-context';

describe('maskPhone: the country calling code and the last four digits', () => {
  it.each([
    ['+14155550123', '+1 ******0123'],
    ['+442079460958', '+44 ******0958'],
    ['+79161234567', '+7 ******4567'],
    ['+353861234567', '+353 *****4567'],
    ['+1 (415) 555-0101', '+1 ******0101'],
    ['4155550101', '******0101'],
    ['+1234567', '+1 **4567'],
    ['+1234', '+***'],
  ])('masks %s as %s', (phone, masked) => expect(maskPhone(phone)).toBe(masked));
});

describe('redactString: phone numbers', () => {
  it.each([
    ['E.164', 'paging +14155550101 now', 'paging +1 ******0101 now'],
    ['a WhatsApp address', 'to whatsapp:+14155550101', 'to whatsapp:+1 ******0101'],
    ['spaced international', 'call +44 20 7946 0958 please', 'call +44 ******0958 please'],
    ['dashed international', 'call +1-415-555-0101', 'call +1 ******0101'],
    ['dotted international', 'call +1.415.555.0101', 'call +1 ******0101'],
    ['bracketed area code with a plus', 'call +1 (415) 555-0101.', 'call +1 ******0101.'],
    ['bracketed trunk zero', 'call +44 (0) 20 7946 0958', 'call +44 *******0958'],
    ['bracketed area code', 'profile says (415) 555-0101', 'profile says ******0101'],
    ['bracketed area code, no space', 'profile says (415)555-0101', 'profile says ******0101'],
    ['dotted', 'profile says 415.555.0101', 'profile says ******0101'],
    ['dashed', 'profile says 415-555-0101', 'profile says ******0101'],
    ['spaced', 'profile says 415 555 0101', 'profile says ******0101'],
    ['national with a trunk zero', 'profile says 020 7946 0958', 'profile says *******0958'],
    ['mobile with a trunk zero', 'profile says 07911 123456', 'profile says *******3456'],
    ['quoted in an error', '"(415) 555-0101" is not valid', '"******0101" is not valid'],
    [
      "Twilio's 21211 text",
      "The 'To' number +14155553101 is not a valid phone number.",
      "The 'To' number +1 ******3101 is not a valid phone number.",
    ],
    ['a number followed by a status code', 'to +14155550101 503', 'to +1 ******0101 503'],
    ['a URL-encoded plus', 'To=whatsapp%3A%2B14155550101&Body=x', 'To=whatsapp%3A+1 ******0101&Body=x'],
    ['a URL-encoded plus, lower case', 'From=%2b442079460958', 'From=+44 ******0958'],
    ['the 00 international prefix, grouped', 'call 0044 20 7946 0958', 'call +44 ******0958'],
    ['the 00 international prefix, together', 'call 00442079460958 now', 'call +44 ******0958 now'],
    ['a bracketed area code with no separator at all', 'profile says (415)5550101', 'profile says ******0101'],
    ['an extension after x', 'call +14155550101x123', 'call +1 ******0101 x***'],
    ['an extension after a space and x', 'call +1 415 555 0101 x 42', 'call +1 ******0101 x***'],
    ['an extension after ext.', 'call +1-415-555-0101 ext. 7', 'call +1 ******0101 x***'],
    ['a national number with an extension', 'desk 415-555-0101x22', 'desk ******0101 x***'],
    ["Twilio's WaId (a WhatsApp id: the number without its plus)", 'WaId=14155550101&ProfileName=Jane', 'WaId=+1 ******0101&ProfileName=Jane'],
    ['a WaId in JSON', '{"WaId":"442079460958"}', '{"WaId":"+44 ******0958"}'],
  ])('masks %s', (_spelling, text, masked) => {
    expect(redactString(text)).toBe(masked);
  });

  it.each([
    ['an ISO timestamp', 'at 2026-09-01T12:00:00.000Z'],
    ['a timestamp with an offset', 'at 2026-09-01T12:00:00+05:30'],
    ['a date and time', 'on 2026-09-01 12:00:00'],
    ['a UUID', 'alert 123e4567-e89b-12d3-a456-426614174000 raised'],
    ['a UUID of digits', 'alert 12345678-1234-1234-1234-123456789012 raised'],
    ['durations', 'took 1500ms (1.5 s), retry in 300000 ms, budget 10_000'],
    ['HTTP status codes', 'backend answered 503 after 429 and 200'],
    ['Twilio error codes', 'Twilio 21211 then 63016 and 20003'],
    ['alert numbers', 'acknowledged #42 and #1234567'],
    ['ports', 'listening on 0.0.0.0:3000 and :5432'],
    ['IPv4 addresses', 'from 192.168.100.200 via 10.0.0.1:8080'],
    ['an IPv6 address', 'from [2001:db8::1]:443'],
    ['a Slack ts', 'thread 1700000000.123456 updated'],
    ['a Slack ts in a URL', 'https://x.slack.com/archives/C0123/p1700000000123456'],
    ['a Unix time in ms', 'at 1700000000123'],
    ['a version', 'node v20.11.1, @slack/web-api 8.2.0'],
    ['a counter with a sign', 'delta +5, -3, +12 ms'],
    ['a Slack user id', 'paging U0123456789 and W0123456789'],
    ['a Twilio SID', 'sent SM1234567890abcdef1234567890abcdef'],
    ['a Twilio API URL', 'POST https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json'],
    ['a byte count', 'body 1048576 bytes, 1 234 567 rows'],
    ['midnight', 'at 00:00:00 and 2026-12-07 00:30'],
    ['zero-padded counters', 'frame 000123456 of 0012345'],
    ['a hex literal', 'flags 0x7f000001'],
    ['a multiplier', 'retry 3x, then x 10, ext 4'],
    ['a URL-encoded short number', 'q=%2B5&page=%2B12'],
    ['an alert number in a query', 'number=1234567&tenant_id=T0001'],
    ['a Twilio SID after an id field', 'MessageSid=SM1234567890abcdef1234567890abcdef&WaId='],
  ])('leaves %s alone', (_thing, text) => {
    expect(redactString(text)).toBe(text);
  });
});

describe('maskEmail', () => {
  it.each([
    ['jane@example.com', 'j***@example.com'],
    ['j@example.com', 'j***@example.com'],
    ['"a@b"@example.com', '"***@example.com'],
    ['no-at-sign', '***'],
    ['jane.doe@example.com', 'j***@example.com'],
    ['Jane+pager@mail.example.co.uk', 'J***@mail.example.co.uk'],
    ['@example.com', '***'],
  ])('masks %s as %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
});

describe('redactString: email addresses and URL passwords', () => {
  it.each([
    ['page sent to jane.doe@example.com', 'page sent to j***@example.com'],
    ['To: "Jane" <jane@example.com>, ops@acme.io', 'To: "Jane" <j***@example.com>, o***@acme.io'],
    ['550 5.1.1 <nobody@example.com>: Recipient address rejected', '550 5.1.1 <n***@example.com>: Recipient address rejected'],
    ['JANE@EXAMPLE.COM.', 'J***@EXAMPLE.COM.'],
    ['smtp://pager:s3cret@smtp.example.com:587', 'smtp://pager:***@smtp.example.com:587'],
    ['smtps://apikey:p%40ss@smtp.example.com', 'smtps://apikey:***@smtp.example.com'],
  ])('masks the address in %j', (text, expected) => expect(redactString(text)).toBe(expected));

  it.each([
    'installed nodemailer@10.6.1 and @klaxon/logger',
    'postgres://postgres@127.0.0.1:5432/postgres',
    '<@U0123ABCD> raised #42 in <#C0123|ops>',
    'user@localhost refused',
    'retry in 5s @ attempt 2, 100% done, a+b=c',
    'alert #42 acknowledged by U0123 at 2026-11-30T08:00:00.000Z',
  ])('leaves ordinary text alone: %j', (text) => expect(redactString(text)).toBe(text));

  it('masks twice to the same text (the logger redacts the message twice)', () => {
    const once = redactString('to jane@example.com via smtp://u:pw@smtp.example.com, +14155550123, %2B14155550123, 0044 20 7946 0958, +14155550101x12, WaId=14155550101');
    expect(redactString(once)).toBe(once);
  });
});

describe('redact', () => {
  it('hides secrets by key at any depth and masks phone numbers inside text', () => {
    expect(
      redact({
        token: 'xoxb-1',
        nested: { signingSecret: 's', headers: { authorization: 'Basic x', 'x-service-key': 'k' } },
        to: 'whatsapp:+14155550123',
        note: 'call +442079460958 now',
        url: 'postgres://klaxon:hunter2@db:5432/klaxon',
        email: 'jane@example.com',
        providerMessageId: '<5d1c3a0e-7f7a-4c1e-9a63-0d2c1c6c2e11@example.com>',
        count: 3,
        params: { WaId: '14155550123', wa_id: '442079460958', NumMedia: '0' },
      }),
    ).toEqual({
      token: '[redacted]',
      nested: { signingSecret: '[redacted]', headers: { authorization: '[redacted]', 'x-service-key': '[redacted]' } },
      to: 'whatsapp:+1 ******0123',
      note: 'call +44 ******0958 now',
      url: 'postgres://klaxon:***@db:5432/klaxon',
      email: 'j***@example.com',
      providerMessageId: '<5d1c3a0e-7f7a-4c1e-9a63-0d2c1c6c2e11@example.com>',
      count: 3,
      params: { WaId: '+1 ******0123', wa_id: '+44 ******0958', NumMedia: '0' },
    });
  });
});

describe('createLogger', () => {
  it('writes no secret or full phone number, and carries the request id', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
    const logger = createLogger({ service: 'test', format: 'json', stream });
    runWithContext({ requestId: 'req-1' }, () => {
      logger.info('paging +14155550123 and jane@example.com', { phone: '+14155550123', botToken: 'xoxb-secret-value', error: new Error('bad +14155550123 <jane@example.com>') });
    });
    const line = JSON.parse(written.trim()) as Record<string, unknown>;
    expect(written).not.toContain('4155550123');
    expect(written).not.toContain('jane@');
    expect(written).not.toContain('xoxb-secret-value');
    expect(line).toMatchObject({ message: 'paging +1 ******0123 and j***@example.com', phone: '+1 ******0123', botToken: '[redacted]', requestId: 'req-1', service: 'test' });
  });
});
