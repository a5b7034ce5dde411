import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger';
import { maskEmail, maskPhone, redact } from './redact';
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
    ['jane@example.com', 'j***@example.com'],
    ['j@example.com', 'j***@example.com'],
    ['"a@b"@example.com', '"***@example.com'],
    ['no-at-sign', '***'],
    ['@example.com', '***'],
  ])('masks %s as %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
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
        count: 3,
      }),
    ).toEqual({
      token: '[redacted]',
      nested: { signingSecret: '[redacted]', headers: { authorization: '[redacted]', 'x-service-key': '[redacted]' } },
      to: 'whatsapp:+1******0123',
      note: 'call +4*******0958 now',
      url: 'postgres://klaxon:***@db:5432/klaxon',
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
      logger.info('paging +14155550123', { phone: '+14155550123', botToken: 'xoxb-secret-value', error: new Error('bad +14155550123') });
    });
    const line = JSON.parse(written.trim()) as Record<string, unknown>;
    expect(written).not.toContain('4155550123');
    expect(written).not.toContain('xoxb-secret-value');
    expect(line).toMatchObject({ message: 'paging +1******0123', phone: '+1******0123', botToken: '[redacted]', requestId: 'req-1', service: 'test' });
  });
});
