import { App } from '@slack/bolt';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { startFakeSlackApi } from './fake-slack-api-server';
import type { FakeSlackApi } from './fake-slack-api-server';

const botToken = 'xoxb-test-token';

let fake: FakeSlackApi;
let client: WebClient;

beforeAll(async () => {
  fake = await startFakeSlackApi({ teamId: 'T0001', botUserId: 'U0BOT', botId: 'B0BOT' });
  // No retries: an unexpected answer should fail the test now, not after WebClient's backoff. Error-level
  // logs keep the deliberate no_text call below from printing WebClient's "missing text" advice.
  client = new WebClient(botToken, { slackApiUrl: fake.slackApiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
});

beforeEach(() => fake.reset());

afterAll(() => fake.close());

describe('fake Slack Web API driven by the real WebClient', () => {
  it('answers auth.test with the configured bot identity', async () => {
    const result = await client.auth.test();

    expect(result).toMatchObject({ ok: true, team_id: 'T0001', user_id: 'U0BOT', bot_id: 'B0BOT' });
    expect(fake.callsTo('auth.test')).toEqual([expect.objectContaining({ method: 'auth.test', token: botToken })]);
  });

  it('returns the profile phone of a known user from users.info', async () => {
    fake.setUser('U0JANE', { real_name: 'Jane Doe', name: 'jane', tz: 'Europe/Paris', profile: { phone: '+1 415 555 0101', display_name: 'jane' } });

    const result = await client.users.info({ user: 'U0JANE' });

    expect(result.user).toMatchObject({
      id: 'U0JANE',
      name: 'jane',
      real_name: 'Jane Doe',
      tz: 'Europe/Paris',
      profile: { phone: '+1 415 555 0101', display_name: 'jane', real_name: 'Jane Doe' },
    });
    expect(fake.callsTo('users.info').map((c) => c.args)).toEqual([{ user: 'U0JANE' }]);
  });

  it('merges later setUser calls into the same user', async () => {
    fake.setUser('U0MERGE', { real_name: 'Max Merge', profile: { display_name: 'max' } });
    fake.setUser('U0MERGE', { profile: { phone: '+14155550199' } });

    const result = await client.users.info({ user: 'U0MERGE' });

    expect(result.user?.profile).toMatchObject({ display_name: 'max', phone: '+14155550199', real_name: 'Max Merge' });
  });

  it.each([
    { case: 'users.info for an unknown user', call: () => client.users.info({ user: 'U0NOBODY' }), error: 'user_not_found' },
    { case: 'an unknown method', call: () => client.apiCall('alerts.summon', { urgency: 'high' }), error: 'unknown_method' },
    { case: 'chat.postMessage without text or blocks', call: () => client.apiCall('chat.postMessage', { channel: 'C0001' }), error: 'no_text' },
  ])('answers $case with ok:false and "$error"', async ({ call, error }) => {
    await expect(call()).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error } });
  });

  it('records chat.postMessage with decoded blocks and answers with channel and ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*CRITICAL* #42 checkout is down' } }];

    const result = await client.chat.postMessage({ channel: 'C0001', text: 'CRITICAL #42 checkout is down', blocks });

    expect(result).toMatchObject({ ok: true, channel: 'C0001', message: { text: 'CRITICAL #42 checkout is down', bot_id: 'B0BOT' } });
    expect(result.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call).toMatchObject({ token: botToken, args: { channel: 'C0001', text: 'CRITICAL #42 checkout is down', blocks } });
  });

  it('gives every posted message its own ts, which chat.update then addresses', async () => {
    const posted = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.postMessage({ channel: 'C0001', text: `m${i}` })));
    const timestamps = posted.map((p) => p.ts);
    const first = posted[0];

    const updated = await client.chat.update({ channel: 'C0001', ts: first?.ts ?? '', text: 'acknowledged by Jane' });

    expect(new Set(timestamps).size).toBe(20);
    expect(updated).toMatchObject({ ok: true, channel: 'C0001', ts: first?.ts, text: 'acknowledged by Jane' });
  });

  it('answers chat.postEphemeral and conversations.info', async () => {
    fake.setChannel('C0PRIV', { name: 'sre-private', is_private: true });

    const ephemeral = await client.chat.postEphemeral({ channel: 'C0001', user: 'U0001', text: 'only you' });
    const known = await client.conversations.info({ channel: 'C0PRIV' });
    const unset = await client.conversations.info({ channel: 'C0001' });

    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(known.channel).toMatchObject({ id: 'C0PRIV', name: 'sre-private', is_private: true });
    expect(unset.channel).toMatchObject({ id: 'C0001', is_private: false, is_member: true });
  });

  it('opens a direct-message channel with conversations.open, the same for a user every time, and records what is posted there', async () => {
    fake.setUser('U0GONE', { deleted: true });

    const first = await client.conversations.open({ users: 'U0DM' });
    const again = await client.conversations.open({ users: 'U0DM' });
    await client.chat.postMessage({ channel: String(first.channel?.id), text: 'you are on call' });
    await client.chat.postMessage({ channel: 'C0001', text: 'not a direct message' });

    expect(first.channel?.id).toBe(fake.imChannelOf('U0DM'));
    expect(again.channel?.id).toBe(first.channel?.id);
    expect(fake.directMessagesTo('U0DM')).toEqual(['you are on call']);
    expect(fake.directMessagesTo('U0OTHER')).toEqual([]);
    await expect(client.conversations.open({ users: 'U0GONE' })).rejects.toMatchObject({ data: { ok: false, error: 'user_disabled' } });
  });

  it('fails a method on demand, for a number of calls or until reset', async () => {
    fake.failMethod('chat.postMessage', 'channel_not_found', { times: 1 });
    fake.failMethod('users.info', 'ratelimited');
    fake.setUser('U0JANE', { profile: { phone: '+14155550101' } });

    await expect(client.chat.postMessage({ channel: 'C0GONE', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0001', text: 'x' })).resolves.toMatchObject({ ok: true });
    await expect(client.users.info({ user: 'U0JANE' })).rejects.toMatchObject({ data: { error: 'ratelimited' } });
    await expect(client.users.info({ user: 'U0JANE' })).rejects.toMatchObject({ data: { error: 'ratelimited' } });

    fake.reset();
    await expect(client.users.info({ user: 'U0JANE' })).resolves.toMatchObject({ ok: true });
  });

  it('answers 429 with Retry-After, or a 5xx, on demand, for the calls that match', async () => {
    const rejecting = new WebClient(botToken, { slackApiUrl: fake.slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
    fake.setUser('U0JANE', { profile: { phone: '+14155550101' } });
    fake.setUser('U0BOB', { profile: { phone: '+14155550102' } });
    fake.failMethodWithStatus('users.info', 429, { retryAfterSec: 7, times: 1, when: (args) => args.user === 'U0JANE' });

    await expect(rejecting.users.info({ user: 'U0BOB' })).resolves.toMatchObject({ ok: true });
    await expect(rejecting.users.info({ user: 'U0JANE' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    await expect(rejecting.users.info({ user: 'U0JANE' })).resolves.toMatchObject({ ok: true });

    fake.failMethodWithStatus('users.info', 503);
    await expect(rejecting.users.info({ user: 'U0JANE' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    fake.reset();
    await expect(rejecting.users.info({ user: 'U0JANE' })).resolves.toMatchObject({ ok: true });
  });

  it('lets a test replace or add a method', async () => {
    fake.handle('users.lookupByEmail', (args) => ({ user: { id: 'U0BYMAIL', email: args.email } }));

    const result = await client.users.lookupByEmail({ email: 'jane@example.com' });

    expect(result.user).toMatchObject({ id: 'U0BYMAIL', email: 'jane@example.com' });
  });

  it('checks the token when given one', async () => {
    const strict = await startFakeSlackApi({ token: botToken });
    try {
      const wrong = new WebClient('xoxb-wrong', { slackApiUrl: strict.slackApiUrl, retryConfig: { retries: 0 } });
      const right = new WebClient(botToken, { slackApiUrl: strict.slackApiUrl, retryConfig: { retries: 0 } });

      await expect(wrong.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
      await expect(right.auth.test()).resolves.toMatchObject({ ok: true });
    } finally {
      await strict.close();
    }
  });

  it('waits for a call made after the wait began, and explains a timeout', async () => {
    const waiting = fake.waitForCall('chat.update', (c) => c.args.text === 'resolved', 2_000);
    await client.chat.update({ channel: 'C0001', ts: '1700000000.000001', text: 'resolved' });

    await expect(waiting).resolves.toMatchObject({ args: { ts: '1700000000.000001' } });
    await expect(fake.waitForCall('chat.postMessage', undefined, 50)).rejects.toThrow(
      /no chat\.postMessage call matched within 50 ms \(chat\.postMessage calls: none; methods called: chat\.update\)/,
    );
  });
});

describe('fake Slack Web API driven by Bolt (which bundles its own WebClient major)', () => {
  it("serves Bolt's start-up auth.test and its client's calls", async () => {
    const app = new App({
      token: botToken,
      signingSecret: 'unused-here',
      deferInitialization: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.slackApiUrl, retryConfig: { retries: 0 } },
    });

    await app.init();
    await app.client.chat.postMessage({ channel: 'C0001', text: 'from bolt' });

    expect(fake.calls.map((c) => [c.method, c.token])).toEqual([
      ['auth.test', botToken],
      ['chat.postMessage', botToken],
    ]);
  });
});

describe('fake Slack response_url', () => {
  it('records JSON posted to a response URL and lists it per id', async () => {
    const url = fake.responseUrl('cmd-1');
    const other = fake.responseUrl();

    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'paging Jane (WhatsApp + call)' }),
    });
    await fetch(other, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'other' }) });

    expect(url).toBe(`${fake.url}/response/cmd-1`);
    expect(answer.status).toBe(200);
    expect(fake.responses('cmd-1')).toEqual([{ response_type: 'ephemeral', text: 'paging Jane (WhatsApp + call)' }]);
    expect(fake.responses()).toHaveLength(2);
    expect(new Set([fake.responseUrl(), fake.responseUrl()]).size).toBe(2);
  });

  it('resolves waitForResponse with the first matching body, even one that arrives later', async () => {
    const url = fake.responseUrl();
    const waiting = fake.waitForResponse((body) => String(body.text).startsWith('paging'), 2_000);

    for (const text of ['working on it', 'paging Jane (WhatsApp)']) {
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    }

    await expect(waiting).resolves.toEqual({ text: 'paging Jane (WhatsApp)' });
  });

  it('rejects waitForResponse after the timeout, listing what arrived', async () => {
    await fetch(fake.responseUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'nope' }) });

    await expect(fake.waitForResponse((body) => body.text === 'yes', 50)).rejects.toThrow(
      /no response_url body matched within 50 ms \(received 1: \{"text":"nope"\}\)/,
    );
  });
});
