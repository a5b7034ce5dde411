import { classifyTwilioError, TWILIO_ERRORS } from './twilio-errors';

// The shape of twilio's RestException: status, code, message, moreInfo.
const rest = (status: number, code: number, message = 'from Twilio') => ({ status, code, message, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
// Node core errors, as plain objects: in jest they come from another realm, so `instanceof Error` is not relied on.
const nodeError = (code: string, message: string) => Object.assign(Object.create(null) as object, { code, message, stack: `Error: ${message}` });

describe('classifyTwilioError', () => {
  it.each([
    { code: 21211, status: 400, kind: 'permanent', alarm: false, meaning: /invalid 'To' phone number/ },
    { code: 21614, status: 400, kind: 'permanent', alarm: false, meaning: /not a valid mobile number/ },
    { code: 21408, status: 400, kind: 'permanent', alarm: true, meaning: /Geo Permissions/ },
    { code: 21610, status: 400, kind: 'permanent', alarm: false, meaning: /unsubscribed \(replied STOP\)/ },
    { code: 63016, status: 400, kind: 'permanent', alarm: false, meaning: /24-hour session window/ },
    { code: 63003, status: 400, kind: 'permanent', alarm: false, meaning: /could not find the 'To' address/ },
    { code: 63007, status: 400, kind: 'permanent', alarm: true, meaning: /TWILIO_WHATSAPP_FROM/ },
    { code: 63018, status: 429, kind: 'transient', alarm: false, meaning: /rate limit/ },
    { code: 21606, status: 400, kind: 'permanent', alarm: true, meaning: /'From' number is not a valid, SMS-capable/ },
    { code: 21659, status: 400, kind: 'permanent', alarm: true, meaning: /'From' number is not a Twilio phone number/ },
    { code: 21219, status: 400, kind: 'permanent', alarm: true, meaning: /trial account/ },
    { code: 21602, status: 400, kind: 'permanent', alarm: false, meaning: /body is required/ },
    { code: 21603, status: 400, kind: 'permanent', alarm: true, meaning: /'From' number is required/ },
    { code: 21604, status: 400, kind: 'permanent', alarm: false, meaning: /'To' number is required/ },
    { code: 21617, status: 400, kind: 'permanent', alarm: false, meaning: /1600 character/ },
    { code: 20003, status: 401, kind: 'permanent', alarm: true, meaning: /authentication failed/ },
    { code: 20404, status: 404, kind: 'permanent', alarm: true, meaning: /not found/ },
    { code: 20429, status: 429, kind: 'transient', alarm: false, meaning: /too many requests/ },
    { code: 20500, status: 500, kind: 'transient', alarm: false, meaning: /internal server error/ },
    { code: 20503, status: 503, kind: 'transient', alarm: false, meaning: /unavailable/ },
  ])('error $code (HTTP $status) is $kind, alarm $alarm', ({ code, status, kind, alarm, meaning }) => {
    const failure = classifyTwilioError(rest(status, code, 'the message Twilio sent'));

    expect(failure).toEqual({ kind, code: String(code), status, alarm, detail: expect.stringMatching(meaning) });
    expect(failure.detail).toMatch(new RegExp(`^Twilio ${code}: .*\\(the message Twilio sent\\)$`));
  });

  it('has a test case for every code in the table', () => {
    expect(Object.keys(TWILIO_ERRORS).sort()).toEqual(
      ['20003', '20404', '20429', '20500', '20503', '21211', '21219', '21408', '21602', '21603', '21604', '21606', '21610', '21614', '21617', '21659', '63003', '63007', '63016', '63018'],
    );
  });

  it.each([
    { case: 'an unknown code with HTTP 500', error: rest(500, 29999), kind: 'transient', alarm: false },
    { case: 'an unknown code with HTTP 502', error: { status: 502, message: 'Bad Gateway' }, kind: 'transient', alarm: false },
    { case: 'an unknown code with HTTP 429', error: rest(429, 29998), kind: 'transient', alarm: false },
    { case: 'an unknown 4xx', error: rest(400, 21999), kind: 'permanent', alarm: false },
    { case: 'an unknown 401', error: rest(401, 20999), kind: 'permanent', alarm: true },
    { case: 'an unknown 403', error: rest(403, 20998), kind: 'permanent', alarm: true },
  ])('falls back to the HTTP status for $case', ({ error, kind, alarm }) => {
    expect(classifyTwilioError(error)).toMatchObject({ kind, alarm, status: error.status });
  });

  it.each([
    { code: 'ECONNRESET', message: 'socket hang up' },
    { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT 1.2.3.4:443' },
    { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    { code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' },
    { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND api.twilio.com' },
  ])('a network error $code is transient without a status', ({ code, message }) => {
    expect(classifyTwilioError(nodeError(code, message))).toEqual({ kind: 'transient', code, status: null, alarm: false, detail: `network error: ${message}` });
  });

  it('recognises a socket hang up or a timeout by its message when there is no code', () => {
    expect(classifyTwilioError({ message: 'socket hang up' })).toMatchObject({ kind: 'transient', code: null });
    expect(classifyTwilioError(new Error('timeout of 10000ms exceeded'))).toMatchObject({ kind: 'transient', code: null });
  });

  it.each([
    { case: "21211, Twilio's own text", error: rest(400, 21211, "The 'To' number +14155553101 is not a valid phone number."), masked: '+1 ******3101', hidden: '4155553101' },
    { case: 'an unknown code', error: rest(400, 21999, "Cannot send to 'whatsapp:+44 20 7946 0958'"), masked: 'whatsapp:+44 ******0958', hidden: '20 7946' },
    { case: 'an unexpected error', error: new Error('no route to (415) 555-0101'), masked: '******0101', hidden: '555-0101' },
  ])('masks the number Twilio names in $case', ({ error, masked, hidden }) => {
    const { detail } = classifyTwilioError(error);

    expect(detail).toContain(masked);
    expect(detail).not.toContain(hidden);
  });

  it('treats anything else as transient, so a page is retried rather than dropped', () => {
    expect(classifyTwilioError('weird')).toEqual({ kind: 'transient', code: null, status: null, alarm: false, detail: 'unexpected error: weird' });
  });
});
