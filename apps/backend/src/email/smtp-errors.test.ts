import { classifySmtpError, SMTP_REPLIES } from './smtp-errors';

// The shape of nodemailer's errors: code, response, responseCode, command (and `permanent`, not relied on).
const reply = (responseCode: number, command: string, response = `${responseCode} from the relay`) =>
  Object.assign(new Error(`Message failed: ${response}`), { code: responseCode === 535 ? 'EAUTH' : 'EMESSAGE', responseCode, response, command });
// Node core errors, as plain objects: in jest they come from another realm, so `instanceof Error` is not relied on.
const nodeError = (code: string, message: string) => Object.assign(Object.create(null) as object, { code, message, stack: `Error: ${message}` });

describe('classifySmtpError', () => {
  it.each([
    { responseCode: 421, command: 'CONN', kind: 'transient', alarm: false, meaning: /service not available/ },
    { responseCode: 450, command: 'RCPT TO', kind: 'transient', alarm: false, meaning: /greylisting/ },
    { responseCode: 451, command: 'DATA', kind: 'transient', alarm: false, meaning: /local error in processing/ },
    { responseCode: 452, command: 'RCPT TO', kind: 'transient', alarm: false, meaning: /insufficient storage/ },
    { responseCode: 454, command: 'AUTH PLAIN', kind: 'transient', alarm: false, meaning: /temporary authentication failure/ },
    { responseCode: 503, command: 'DATA', kind: 'transient', alarm: false, meaning: /bad sequence/ },
    { responseCode: 530, command: 'MAIL FROM', kind: 'permanent', alarm: true, meaning: /authentication required/ },
    { responseCode: 534, command: 'AUTH PLAIN', kind: 'permanent', alarm: true, meaning: /mechanism too weak/ },
    { responseCode: 535, command: 'AUTH PLAIN', kind: 'permanent', alarm: true, meaning: /user or password in SMTP_URL is wrong/ },
    { responseCode: 538, command: 'AUTH LOGIN', kind: 'permanent', alarm: true, meaning: /requires encryption/ },
    { responseCode: 550, command: 'RCPT TO', kind: 'permanent', alarm: false, meaning: /mailbox unavailable/ },
    { responseCode: 551, command: 'RCPT TO', kind: 'permanent', alarm: false, meaning: /user not local/ },
    { responseCode: 552, command: 'DATA', kind: 'permanent', alarm: false, meaning: /mailbox is full/ },
    { responseCode: 553, command: 'RCPT TO', kind: 'permanent', alarm: false, meaning: /mailbox name not allowed/ },
    { responseCode: 554, command: 'DATA', kind: 'permanent', alarm: false, meaning: /transaction failed/ },
    { responseCode: 555, command: 'RCPT TO', kind: 'permanent', alarm: false, meaning: /parameters not recognised/ },
  ])('reply $responseCode at $command is $kind, alarm $alarm', ({ responseCode, command, kind, alarm, meaning }) => {
    const failure = classifySmtpError(reply(responseCode, command));

    expect(failure).toEqual({ kind, code: String(responseCode), status: null, alarm, detail: expect.stringMatching(meaning) });
    expect(failure.detail).toMatch(new RegExp(`^SMTP ${responseCode} at ${command}: .*\\(Message failed: ${responseCode} from the relay\\)$`));
  });

  it('has a test case for every reply in the table', () => {
    expect(Object.keys(SMTP_REPLIES).sort()).toEqual(['421', '450', '451', '452', '454', '503', '530', '534', '535', '538', '550', '551', '552', '553', '554', '555']);
  });

  it.each([
    { case: 'an unknown 4xx', error: reply(471, 'DATA'), kind: 'transient' },
    { case: 'an unknown 5xx', error: reply(571, 'DATA'), kind: 'permanent' },
    { case: 'a 5xx without the command', error: { message: 'refused', responseCode: 559 }, kind: 'permanent' },
  ])('falls back to the reply class for $case', ({ error, kind }) => {
    expect(classifySmtpError(error)).toMatchObject({ kind, alarm: false, code: String(error.responseCode) });
  });

  it('raises the alarm when the relay refuses the sender (MAIL FROM): EMAIL_FROM is not allowed there', () => {
    const failure = classifySmtpError(reply(553, 'MAIL FROM', '553 5.7.1 <pager@example.com>: Sender address rejected: not owned by user'));

    expect(failure).toMatchObject({ kind: 'permanent', alarm: true, code: '553' });
    expect(failure.detail).toMatch(/^SMTP 553 at MAIL FROM: the relay refused the sender EMAIL_FROM: /);
  });

  it('a temporary refusal of the sender is no alarm', () => {
    expect(classifySmtpError(reply(451, 'MAIL FROM'))).toMatchObject({ kind: 'transient', alarm: false });
  });

  it('masks the addresses the relay quotes back', () => {
    const failure = classifySmtpError(reply(550, 'RCPT TO', '550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown'));

    expect(failure.detail).toContain('<j***@example.com>: Recipient address rejected');
    expect(failure.detail).not.toContain('jane.doe');
  });

  it.each([
    { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525', kind: 'transient', alarm: false },
    { code: 'ETIMEDOUT', message: 'Greeting never received', kind: 'transient', alarm: false },
    { code: 'ETIMEDOUT', message: 'Connection timeout', kind: 'transient', alarm: false },
    { code: 'ECONNECTION', message: 'Connection closed unexpectedly', kind: 'transient', alarm: false },
    { code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.example.invalid', kind: 'transient', alarm: false },
    { code: 'EPROTOCOL', message: 'Invalid greeting', kind: 'transient', alarm: false },
    { code: 'EAUTH', message: 'Missing credentials for "PLAIN"', kind: 'permanent', alarm: true },
    { code: 'ENOAUTH', message: 'Authentication credentials not provided', kind: 'permanent', alarm: true },
    { code: 'ETLS', message: 'self-signed certificate', kind: 'permanent', alarm: true },
    { code: 'EENVELOPE', message: 'No recipients defined', kind: 'permanent', alarm: false },
  ])('nodemailer $code ($message) without a reply is $kind, alarm $alarm', ({ code, message, kind, alarm }) => {
    const failure = classifySmtpError(Object.assign(new Error(message), { code }));

    expect(failure).toMatchObject({ kind, alarm, code, status: null });
    expect(failure.detail).toMatch(new RegExp(`^SMTP ${code}: .*\\(${message.replace(/[()"]/g, '\\$&')}\\)$`));
  });

  it.each([
    { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    { code: 'ECONNRESET', message: 'read ECONNRESET' },
  ])('a bare network error $code is transient', ({ code, message }) => {
    expect(classifySmtpError(nodeError(code, message))).toEqual({ kind: 'transient', code, status: null, alarm: false, detail: `network error: ${message}` });
  });

  it('anything else is transient (a bounded retry beats a missed page), with its message', () => {
    expect(classifySmtpError(new Error('something odd'))).toEqual({ kind: 'transient', code: null, status: null, alarm: false, detail: 'unexpected SMTP error (something odd)' });
    expect(classifySmtpError('a string')).toMatchObject({ kind: 'transient', detail: 'unexpected SMTP error (a string)' });
  });
});
