import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';
import { maskEmail, maskPhone, redact, redactString } from './redact';
import { runWithContext } from './request-context';

describe('maskPhone', () => {
  it.each([
    ['+14155550123', '+1******0123'],
    ['+442079460958', '+4*******0958'],
    ['+1234', '+***'],
  ])('masks %s as %s', (phone, masked) => expect(maskPhone(phone)).toBe(masked));
});

describe('maskEmail', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['j@example.com', 'j***@example.com'],
    ['Jane+pager@mail.example.co.uk', 'J***@mail.example.co.uk'],
    ['not-an-address', '***'],
    ['@example.com', '***'],
  ])('masks %s as %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
});

describe('redactString', () => {
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
    const once = redactString('to jane@example.com via smtp://u:pw@smtp.example.com, +14155550123');
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
      }),
    ).toEqual({
      token: '[redacted]',
      nested: { signingSecret: '[redacted]', headers: { authorization: '[redacted]', 'x-service-key': '[redacted]' } },
      to: 'whatsapp:+1******0123',
      note: 'call +4*******0958 now',
      url: 'postgres://klaxon:***@db:5432/klaxon',
      email: 'j***@example.com',
      providerMessageId: '<5d1c3a0e-7f7a-4c1e-9a63-0d2c1c6c2e11@example.com>',
      count: 3,
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
    expect(line).toMatchObject({ message: 'paging +1******0123 and j***@example.com', phone: '+1******0123', botToken: '[redacted]', requestId: 'req-1', service: 'test' });
  });
});
