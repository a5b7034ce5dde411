import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { loadBackendConfig } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import { freePort, startFakeSmtpServer, type FakeSmtp } from '@klaxon/testing';
import type { MessageAlert, OutboundMessage } from '../../src/channels/channel';
import { createEmailChannel, EmailChannel } from '../../src/email/email.channel';
import { LogChannel } from '../../src/channels/log.channel';
import { outboundMessageFixture } from '../message-fixture';
import { notifyFailureOf } from './notify-failure';

const FROM = 'Klaxon <pager@example.com>';
const TO = 'jane.doe@example.com';
const page = (alert: Partial<MessageAlert> = {}, to = TO): OutboundMessage => outboundMessageFixture(to, alert);

let fake: FakeSmtp;
let lines: string[];
const logger = () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return createLogger({ service: 'backend', level: 'debug', format: 'json', stream });
};
const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const channel = (options: { smtpUrl?: string; timeoutMs?: number } = {}) =>
  new EmailChannel({ smtpUrl: options.smtpUrl ?? fake.url, timeoutMs: options.timeoutMs ?? 5_000, from: FROM, logger: logger() });

beforeAll(async () => {
  fake = await startFakeSmtpServer({ user: 'pager@example.com', password: 'p@ss:w/rd %&' });
});
beforeEach(() => {
  fake.reset();
  lines = [];
});
afterAll(() => fake.close());

describe('EmailChannel through nodemailer to a real SMTP server', () => {
  it('sends the page from EMAIL_FROM to the address, authenticated; the Message-ID is the provider id', async () => {
    const { providerMessageId } = await channel().send(page());

    const mail = await fake.waitForMail();
    expect(fake.mails).toHaveLength(1);
    expect(mail).toMatchObject({
      envelope: { from: 'pager@example.com', to: [TO] },
      fromName: 'Klaxon',
      fromAddress: 'pager@example.com',
      to: [TO],
      subject: '[Klaxon #42 CRITICAL] checkout is down',
      authUser: 'pager@example.com',
    });
    expect(mail.raw).toMatch(/^From: Klaxon <pager@example\.com>\r?$/m);
    expect(mail.raw).toMatch(/^To: jane\.doe@example\.com\r?$/m);
    expect(providerMessageId).toMatch(/^<[^<>@\s]+@example\.com>$/);
    expect(mail.messageId).toBe(providerMessageId);
    expect(mail.headers).toMatchObject({ 'auto-submitted': 'auto-generated', 'x-klaxon-alert': '42', priority: 'high' });
    expect(mail.raw).toMatch(/^Importance: High\r?$/m);
  });

  it('writes number, severity, raiser, time and how to acknowledge in the text and the HTML', async () => {
    await channel().send(page());

    const mail = await fake.waitForMail();
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('checkout is down');
      expect(body).toContain('#42');
      expect(body).toContain('CRITICAL');
      expect(body).toContain('deploy-bot');
      expect(body).toContain('2026-11-30 08:00 UTC (2 min ago)');
      expect(body).toContain('/alert ack 42');
    }
    expect(mail.text).toMatch(/^Klaxon alert #42 \(CRITICAL\)\n/);
  });

  it('escapes a message with <script> and & in the HTML and keeps it literal in the text', async () => {
    const message = '<script>alert("pwned")</script> db & cache down';
    await channel().send(page({ message }));

    const mail = await fake.waitForMail();
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; db &amp; cache down');
    expect(mail.html).not.toContain('<script');
    expect(mail.text).toContain(message);
    expect(mail.subject).toBe(`[Klaxon #42 CRITICAL] ${message}`);
  });

  it('logs the sent page with the address masked and the Message-ID whole', async () => {
    const { providerMessageId } = await channel().send(page());

    expect(logged()).toEqual([expect.objectContaining({ level: 'info', message: 'page sent', provider: 'smtp', channel: 'email', to: 'j***@example.com', providerMessageId })]);
    expect(lines.join('\n')).not.toContain('jane.doe');
  });

  it.each([
    { at: 'rcpt', code: 451, message: '4.7.1 Greylisted, try again later' },
    { at: 'data', code: 451, message: '4.3.0 Local error in processing' },
    { at: 'rcpt', code: 452, message: '4.5.3 Too many recipients' },
  ] as const)('$code at $at is transient: the job runner retries', async ({ at, code, message }) => {
    fake.failNext(1, { at, code, message });

    const error = await notifyFailureOf(channel().send(page()));

    expect(error).toMatchObject({ kind: 'transient', code: String(code), alarm: false });
    expect(error.detail).toContain(message);
    expect(fake.rejections).toEqual([{ at, code, message, user: 'pager@example.com' }]);
    expect(fake.mails).toHaveLength(0);
    expect(logged()).toEqual([expect.objectContaining({ level: 'warn', message: 'page not sent', kind: 'transient', errorCode: String(code) })]);
  });

  it('sends on the next attempt once the transient refusal is over', async () => {
    fake.failNext(1, { code: 451, message: 'Greylisted' });
    const email = channel();

    await notifyFailureOf(email.send(page()));
    const { providerMessageId } = await email.send(page());

    expect((await fake.waitForMail()).messageId).toBe(providerMessageId);
  });

  it.each([
    { at: 'rcpt', code: 550, message: '5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown' },
    { at: 'rcpt', code: 553, message: '5.1.3 Mailbox name not allowed' },
    { at: 'data', code: 554, message: '5.7.1 Message rejected as spam' },
  ] as const)('$code at $at is permanent, without the alarm, and the address stays masked', async ({ at, code, message }) => {
    fake.failNext(1, { at, code, message });

    const error = await notifyFailureOf(channel().send(page()));

    expect(error).toMatchObject({ kind: 'permanent', code: String(code), alarm: false });
    expect(error.detail).not.toContain('jane.doe');
    expect(lines.join('\n')).not.toContain('jane.doe');
    expect(fake.mails).toHaveLength(0);
  });

  it('a sender the relay refuses (553 at MAIL FROM) raises the alarm', async () => {
    fake.failNext(1, { at: 'mail', code: 553, message: '5.7.1 Sender address rejected: not owned by user' });

    const error = await notifyFailureOf(channel().send(page()));

    expect(error).toMatchObject({ kind: 'permanent', code: '553', alarm: true });
    expect(error.detail).toMatch(/the relay refused the sender EMAIL_FROM/);
  });

  it('a wrong password is refused with 535: permanent, alarm, shouted in the log without the password or the address', async () => {
    const wrong = new URL(fake.url);
    wrong.password = 'not-the-password';

    const error = await notifyFailureOf(channel({ smtpUrl: wrong.toString() }).send(page()));

    expect(error).toMatchObject({ kind: 'permanent', code: '535', alarm: true });
    expect(fake.rejections).toEqual([expect.objectContaining({ at: 'auth', code: 535, user: 'pager@example.com' })]);
    expect(fake.mails).toHaveLength(0);
    const [line] = logged();
    expect(line).toMatchObject({ level: 'error', message: expect.stringMatching(/^SMTP SETUP BROKEN/), errorCode: '535', to: 'j***@example.com' });
    expect(lines.join('\n')).not.toMatch(/not-the-password|jane\.doe/);
  });

  it('a relay that is down is transient', async () => {
    const down = new URL(fake.url);
    down.port = String(await freePort());

    const error = await notifyFailureOf(channel({ smtpUrl: down.toString() }).send(page()));

    expect(error).toMatchObject({ kind: 'transient', alarm: false, status: null });
    expect(error.detail).toMatch(/ECONNREFUSED/);
  });

  it('a relay that accepts the connection but never greets is transient after the greeting timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = new URL(fake.url);
    url.port = String((silent.address() as { port: number }).port);
    try {
      const error = await notifyFailureOf(channel({ smtpUrl: url.toString(), timeoutMs: 300 }).send(page()));

      expect(error).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT', alarm: false });
      expect(sockets.size).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses an address list or a malformed address without talking to the relay', async () => {
    for (const to of [`${TO}, other@example.com`, 'jane', 'jane@example.com\r\nBcc: x@example.com']) {
      const error = await notifyFailureOf(channel().send(page({}, to)));
      expect(error).toMatchObject({ kind: 'permanent', code: 'invalid_address', alarm: false });
    }
    expect(fake.mails).toHaveLength(0);
    expect(fake.rejections).toHaveLength(0);
  });

  it('authenticates with LOGIN as well as PLAIN', async () => {
    await channel({ smtpUrl: `${fake.url}?authMethod=LOGIN` }).send(page());

    expect((await fake.waitForMail()).authUser).toBe('pager@example.com');
  });
});

describe('createEmailChannel', () => {
  const env = { DATABASE_URL: 'postgres://u:p@db:5432/klaxon', INTERNAL_SERVICE_KEYS: 'k'.repeat(32), SLACK_BOT_TOKEN: 'xoxb-1-2-abc' };

  it('sends through SMTP_URL (a percent-encoded user and password) from EMAIL_FROM, as the config reads them', async () => {
    const config = loadBackendConfig({ ...env, SMTP_URL: fake.url, EMAIL_FROM: FROM });
    const email = createEmailChannel(config.email, logger());

    expect(email).toBeInstanceOf(EmailChannel);
    const { providerMessageId } = await email.send(page());
    expect(await fake.waitForMail()).toMatchObject({ fromName: 'Klaxon', fromAddress: 'pager@example.com', to: [TO], messageId: providerMessageId, authUser: 'pager@example.com' });
  });

  it('without SMTP_URL logs the page at warn, masked, and sends nothing', async () => {
    const email = createEmailChannel(loadBackendConfig(env).email, logger());

    const { providerMessageId } = await email.send(page());

    expect(email).toBeInstanceOf(LogChannel);
    expect(email).toMatchObject({ channel: 'email', provider: 'log', address: 'email' });
    expect(providerMessageId).toMatch(/^log-[0-9a-f-]{36}$/);
    expect(logged()).toEqual([
      expect.objectContaining({ level: 'warn', message: 'would send email to j***@example.com: [Klaxon #42 CRITICAL] checkout is down', channel: 'email', provider: 'log', providerMessageId }),
    ]);
    expect(fake.mails).toHaveLength(0);
  });
});
