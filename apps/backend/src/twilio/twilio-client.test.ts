import twilio from 'twilio';
import type { Twilio } from 'twilio';
// The production factory is what we exercise: it is the code path TWILIO_API_BASE_URL takes in the backend.
import { createTwilioClient } from './twilio-client';
import { startFakeTwilio, type FakeTwilio } from '@klaxon/testing';

const accountSid = `AC${'a'.repeat(32)}`;
const authToken = 'test-auth-token';
const whatsappFrom = 'whatsapp:+14155238886';
const whatsappTo = 'whatsapp:+14155550101';
const twiml = '<Response><Say>Critical alert number 42: checkout is down. Press 1 to acknowledge.</Say></Response>';

let fake: FakeTwilio;
let client: Twilio;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid, authToken });
  client = createTwilioClient({ accountSid, authToken, apiBaseUrl: fake.url, timeoutMs: 2_000 });
});

beforeEach(() => fake.reset());

afterAll(() => fake.close());

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (error: unknown) => error,
  );
}

describe('fake Twilio driven by the real SDK', () => {
  it('creates a WhatsApp message that the SDK parses and the fake records', async () => {
    const message = await client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'CRITICAL #42 checkout is down' });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({ status: 'queued', to: whatsappTo, from: whatsappFrom, body: 'CRITICAL #42 checkout is down', accountSid });
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);

    const [recorded, ...others] = fake.messages();
    expect(others).toHaveLength(0);
    expect(recorded).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${accountSid}/Messages.json`,
      form: { To: whatsappTo, From: whatsappFrom, Body: 'CRITICAL #42 checkout is down' },
      authUser: accountSid,
      responseStatus: 201,
      sid: message.sid,
    });
    expect(recorded?.headers['x-forwarded-host']).toBe('api.twilio.com');
  });

  it('creates a call with inline TwiML', async () => {
    const call = await client.calls.create({ to: '+14155550101', from: '+14155550100', twiml });

    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call).toMatchObject({ status: 'queued', to: '+14155550101', from: '+14155550100' });
    expect(fake.calls().map((c) => c.form)).toEqual([{ To: '+14155550101', From: '+14155550100', Twiml: twiml }]);
    expect(fake.messages()).toHaveLength(0);
  });

  it('fetches and updates what it created (e.g. hanging up a call once acknowledged)', async () => {
    const call = await client.calls.create({ to: '+14155550101', from: '+14155550100', twiml });

    const updated = await client.calls(call.sid).update({ status: 'completed' });
    const fetched = await client.calls(call.sid).fetch();

    expect(updated.status).toBe('completed');
    expect(fetched).toMatchObject({ sid: call.sid, status: 'completed' });
  });

  it('surfaces a scripted 500 and then error 21211 as RestExceptions, then succeeds', async () => {
    fake.failNext(1, { status: 500, code: 20500, message: 'Internal Server Error' });
    fake.failNext(1, { status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const send = () => client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'hello' });

    const first = await rejectionOf(send());
    const second = await rejectionOf(send());
    const third = await send();

    expect(first).toBeInstanceOf(twilio.RestException);
    expect(first).toMatchObject({ status: 500, code: 20500 });
    expect(second).toBeInstanceOf(twilio.RestException);
    expect(second).toMatchObject({ status: 400, code: 21211, message: "Invalid 'To' Phone Number", moreInfo: 'https://www.twilio.com/docs/errors/21211' });
    expect(third.status).toBe('queued');
    expect(fake.messages().map((m) => m.responseStatus)).toEqual([500, 400, 201]);
  });

  it('lets a responder script each create (500, 500, then the default success)', async () => {
    let attempt = 0;
    fake.respondWith(() => {
      attempt += 1;
      return attempt <= 2 ? { type: 'error', status: 500, code: 20500, message: 'Internal Server Error' } : undefined;
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      outcomes.push(
        await client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'retry me' }).then(
          (m) => m.status,
          (e: { status?: number }) => `HTTP ${e.status}`,
        ),
      );
    }

    expect(outcomes).toEqual(['HTTP 500', 'HTTP 500', 'queued']);
  });

  it.each([
    { case: 'a wrong auth token', sid: accountSid, token: 'wrong-token' },
    { case: 'another account SID', sid: `AC${'b'.repeat(32)}`, token: authToken },
  ])('answers 401 with error 20003 for $case', async ({ sid, token }) => {
    const intruder = createTwilioClient({ accountSid: sid, authToken: token, apiBaseUrl: fake.url, timeoutMs: 2_000 });

    const error = await rejectionOf(intruder.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'x' }));

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 401, code: 20003 });
    expect(fake.requests.map((r) => [r.authUser, r.responseStatus, r.sid])).toEqual([[sid, 401, undefined]]);
  });

  it.each([
    { case: 'a To number that is not E.164', params: { from: whatsappFrom, to: 'whatsapp:4155550101', body: 'x' }, code: 21211 },
    { case: 'no sender', params: { to: whatsappTo, body: 'x' }, code: 21603 },
    { case: 'no body, media or template', params: { from: whatsappFrom, to: whatsappTo }, code: 21602 },
    { case: 'a body over 1600 characters', params: { from: whatsappFrom, to: whatsappTo, body: 'x'.repeat(1601) }, code: 21617 },
  ])('rejects a message with $case like Twilio (code $code)', async ({ params, code }) => {
    const error = await rejectionOf(client.messages.create(params));

    expect(error).toMatchObject({ status: 400, code });
  });

  it('drops the connection when asked, which the SDK reports as a network error', async () => {
    fake.dropNext(1);

    const error = await rejectionOf(client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'x' }));

    expect(error).not.toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
  });

  it('answers late when asked, so the client timeout fires while the message is still created', async () => {
    const impatient = createTwilioClient({ accountSid, authToken, apiBaseUrl: fake.url, timeoutMs: 100 });
    fake.delayNext(400);

    const started = performance.now();
    const error = await rejectionOf(impatient.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'slow' }));
    const elapsed = performance.now() - started;
    const created = await fake.waitForMessage((m) => m.form.Body === 'slow', 2_000);

    expect(error).toMatchObject({ code: 'ECONNABORTED' });
    expect(elapsed).toBeLessThan(400);
    expect(created.responseStatus).toBe(201);
  });

  it('waits for a message sent after the wait began', async () => {
    const waiting = fake.waitForMessage((m) => m.form.To === whatsappTo, 2_000);
    await client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'later' });

    await expect(waiting).resolves.toMatchObject({ form: { Body: 'later' }, responseStatus: 201 });
  });

  it('rejects a wait with what it did receive when nothing matches in time', async () => {
    fake.failNext(1, { status: 400, code: 21211, message: 'Invalid' });
    await rejectionOf(client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'failed' }));

    await expect(fake.waitForMessage(undefined, 50)).rejects.toThrow(/no Messages create matched within 50 ms \(received 1: 400 .*failed/);
    await expect(fake.waitForCall(undefined, 50)).rejects.toThrow(/received 0: none/);
  });

  it('forgets requests and scripts on reset', async () => {
    fake.failNext(5, { status: 500, code: 20500, message: 'boom' });
    await client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'x' }).catch(() => undefined);

    fake.reset();
    const message = await client.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'y' });

    expect(message.status).toBe('queued');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('createTwilioClient base URL', () => {
  it('keeps a path prefix of the base URL (a proxy mounted under a path)', async () => {
    const proxied = createTwilioClient({ accountSid, authToken, apiBaseUrl: `${fake.url}/twilio/`, timeoutMs: 2_000 });

    const error = await rejectionOf(proxied.messages.create({ from: whatsappFrom, to: whatsappTo, body: 'x' }));

    expect(fake.requests.map((r) => r.path)).toEqual([`/twilio/2010-04-01/Accounts/${accountSid}/Messages.json`]);
    expect(error).toMatchObject({ status: 404, code: 20404 });
  });

  it.each(['not a url', 'ftp://127.0.0.1/twilio'])('refuses %p as a base URL', (apiBaseUrl) => {
    expect(() => createTwilioClient({ accountSid, authToken, apiBaseUrl, timeoutMs: 1_000 })).toThrow(TypeError);
  });
});
