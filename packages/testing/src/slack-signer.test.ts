import { createHmac } from 'node:crypto';
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { interactionBody, signSlackRequest, slashCommandBody } from './slack-signer';

const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5';

describe('signSlackRequest', () => {
  it('matches an independently computed v0 HMAC-SHA256 over "v0:<ts>:<body>"', () => {
    const body = 'token=x&text=%40jane+critical+checkout+is+down';
    const headers = signSlackRequest({ signingSecret, body, timestamp: 1_531_420_618 });

    const expected = createHmac('sha256', signingSecret).update(`v0:1531420618:${body}`).digest('hex');
    expect(headers).toEqual({ 'x-slack-signature': `v0=${expected}`, 'x-slack-request-timestamp': '1531420618' });
  });

  it('defaults the timestamp to the current time in seconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const { 'x-slack-request-timestamp': ts } = signSlackRequest({ signingSecret, body: 'a=b' });
    const after = Math.floor(Date.now() / 1000);

    expect(Number(ts)).toBeGreaterThanOrEqual(before);
    expect(Number(ts)).toBeLessThanOrEqual(after);
  });

  it("passes @slack/bolt's own request verifier", () => {
    const body = slashCommandBody({ text: 'ack 42 on it' });
    const headers = signSlackRequest({ signingSecret, body });

    expect(() =>
      verifySlackRequest({
        signingSecret,
        body,
        headers: { ...headers, 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
      }),
    ).not.toThrow();
  });

  const now = Math.floor(Date.now() / 1000);
  it.each([
    { tampering: 'another signing secret', secret: 'not-the-secret', sentBody: 'text=hello', timestamp: now },
    { tampering: 'a body changed after signing', secret: signingSecret, sentBody: 'text=hellO', timestamp: now },
    { tampering: 'a timestamp older than five minutes', secret: signingSecret, sentBody: 'text=hello', timestamp: now - 301 },
  ])('is rejected by bolt with $tampering', ({ secret, sentBody, timestamp }) => {
    const headers = signSlackRequest({ signingSecret: secret, body: 'text=hello', timestamp });

    expect(
      isValidSlackRequest({
        signingSecret,
        body: sentBody,
        headers: { ...headers, 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
      }),
    ).toBe(false);
  });
});

describe('slashCommandBody', () => {
  it('encodes the fields Slack sends, with workspace defaults', () => {
    const fields = Object.fromEntries(new URLSearchParams(slashCommandBody({ text: '@jane critical checkout is down' })));

    expect(fields).toEqual(
      expect.objectContaining({
        team_id: 'T0001',
        channel_id: 'C0001',
        user_id: 'U0001',
        command: '/alert',
        text: '@jane critical checkout is down',
        is_enterprise_install: 'false',
      }),
    );
    expect(Object.keys(fields)).toEqual(
      expect.arrayContaining(['token', 'team_domain', 'channel_name', 'user_name', 'api_app_id', 'response_url', 'trigger_id']),
    );
    expect(fields.response_url).toMatch(/^https:\/\/hooks\.slack\.com\/commands\/T0001\//);
  });

  it('encodes spaces and symbols the way Slack does (form encoding)', () => {
    const body = slashCommandBody({ text: 'a b&c=d' });

    expect(body).toContain('text=a+b%26c%3Dd');
  });

  it('lets callers override any field and ignores undefined overrides', () => {
    const fields = new URLSearchParams(
      slashCommandBody({ text: 'help', team_id: 'T0999', user_id: 'U0042', response_url: 'http://127.0.0.1:1/response/r1', channel_id: undefined }),
    );

    expect(fields.get('team_id')).toBe('T0999');
    expect(fields.get('user_id')).toBe('U0042');
    expect(fields.get('response_url')).toBe('http://127.0.0.1:1/response/r1');
    expect(fields.get('channel_id')).toBe('C0001');
  });

  it('gives every command its own trigger_id', () => {
    const triggerIds = Array.from({ length: 50 }, () => new URLSearchParams(slashCommandBody({ text: 'list' })).get('trigger_id'));

    expect(new Set(triggerIds).size).toBe(50);
  });
});

describe('interactionBody', () => {
  it('is a single payload field holding the JSON', () => {
    const payload = { type: 'block_actions', actions: [{ action_id: 'alert_ack', value: 'a&b=c d' }] };
    const params = new URLSearchParams(interactionBody(payload));

    expect([...params.keys()]).toEqual(['payload']);
    expect(JSON.parse(params.get('payload') ?? '')).toEqual(payload);
  });
});
