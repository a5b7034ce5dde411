import { createLogger } from '@klaxon/logger';
import { PassThrough } from 'node:stream';
import { startFakeSlackApi, type FakeSlackApi } from '@klaxon/testing';
import { SlackChannelPoster } from '../../src/slack/slack-channel-poster';
import { notifyFailureOf } from './notify-failure';

const TOKEN = 'xoxb-poster-token';
let slack: FakeSlackApi;
const logger = createLogger({ service: 'backend', level: 'error', format: 'json', stream: new PassThrough() });
const poster = (apiUrl = slack.slackApiUrl, botToken = TOKEN) => new SlackChannelPoster({ botToken, apiUrl, logger });

beforeAll(async () => {
  slack = await startFakeSlackApi({ token: TOKEN });
});
beforeEach(() => slack.reset());
afterAll(() => slack.close());

describe('SlackChannelPoster', () => {
  it('posts with chat.postMessage (in a thread when asked) and returns the message ts', async () => {
    const { ts } = await poster().post('C0ALERTS', 'Klaxon #42 is still not acknowledged', '1700000000.000100');

    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.args).toMatchObject({ channel: 'C0ALERTS', text: 'Klaxon #42 is still not acknowledged', thread_ts: '1700000000.000100' });
    expect(call?.token).toBe(TOKEN);
    expect(ts).toMatch(/^\d+\.\d{6}$/);
  });

  it.each([
    { error: 'ratelimited', kind: 'transient', alarm: false },
    { error: 'internal_error', kind: 'transient', alarm: false },
    { error: 'channel_not_found', kind: 'permanent', alarm: false },
    { error: 'not_in_channel', kind: 'permanent', alarm: false },
    { error: 'invalid_auth', kind: 'permanent', alarm: true },
  ])('classifies $error as $kind (alarm $alarm)', async ({ error, kind, alarm }) => {
    slack.failMethod('chat.postMessage', error, { times: 1 });

    const failure = await notifyFailureOf(poster().post('C0ALERTS', 'hello'));

    expect(failure).toMatchObject({ kind, alarm, code: error });
  });

  it('classifies a wrong bot token as a permanent alarm', async () => {
    const failure = await notifyFailureOf(poster(slack.slackApiUrl, 'xoxb-wrong').post('C0ALERTS', 'hello'));

    expect(failure).toMatchObject({ kind: 'permanent', code: 'invalid_auth', alarm: true });
  });

  it('classifies an unreachable Slack as transient, quickly', async () => {
    const gone = await startFakeSlackApi({ token: TOKEN });
    const deadUrl = gone.slackApiUrl;
    await gone.close();

    const started = Date.now();
    const failure = await notifyFailureOf(poster(deadUrl).post('C0ALERTS', 'hello'));

    expect(failure).toMatchObject({ kind: 'transient', status: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
