import type { KnownBlock, WebClient } from '@slack/web-api';
import type { Logger } from '@klaxon/logger';
import { createSlackWebClient, slackPlatformError } from './web-client';
import { NotifyError, type NotifyFailure, fieldsOf, messageOf, networkFailure } from '../channels/notify-error';
import type { ChannelMessage, ChannelPoster } from '../channels/channel-poster';

// Slack's `ok: false` errors that go away by themselves.
const TRANSIENT_SLACK_ERRORS = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
// The bot token itself is refused: no post or lookup works until an operator fixes it.
const ALARM_SLACK_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope', 'not_allowed_token_type']);

/** chat.postMessage through the Web API; every failure becomes a classified NotifyError. */
export class SlackChannelPoster implements ChannelPoster {
  private readonly client: WebClient;
  private readonly logger: Logger;

  constructor({ botToken, apiUrl, logger }: { botToken: string; apiUrl?: string | undefined; logger: Logger }) {
    this.client = createSlackWebClient({ botToken, apiUrl });
    this.logger = logger;
  }

  async post(channelId: string, message: string | ChannelMessage, threadTs?: string): Promise<{ ts: string }> {
    const { text, blocks } = typeof message === 'string' ? { text: message, blocks: undefined } : message;
    return this.call(channelId, async () => {
      const result = await this.client.chat.postMessage({
        channel: channelId,
        text,
        ...(blocks ? { blocks: blocks as KnownBlock[] } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      if (!result.ts) throw new Error('chat.postMessage answered without a message ts');
      return { ts: result.ts };
    });
  }

  async update(channelId: string, ts: string, message: ChannelMessage): Promise<void> {
    await this.call(channelId, () => this.client.chat.update({ channel: channelId, ts, text: message.text, ...(message.blocks ? { blocks: message.blocks as KnownBlock[] } : {}) }));
  }

  private async call<T>(channelId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const failure = classifySlackError(error);
      const fields = { provider: 'slack', channelId, errorCode: failure.code, kind: failure.kind, detail: failure.detail };
      if (failure.alarm) this.logger.error('SLACK SETUP BROKEN: channel messages cannot be posted until an operator fixes it', fields);
      else this.logger.warn('slack channel message not posted', fields);
      throw new NotifyError(failure, { cause: error });
    }
  }
}

/** Classifies what @slack/web-api throws: platform (`ok: false`), rate-limit, HTTP and request errors. */
export function classifySlackError(error: unknown): NotifyFailure {
  const platform = slackPlatformError(error);
  if (platform) {
    const kind = TRANSIENT_SLACK_ERRORS.has(platform) ? 'transient' : 'permanent';
    return { kind, code: platform, status: null, detail: `Slack answered ${platform}`, alarm: ALARM_SLACK_ERRORS.has(platform) };
  }
  const fields = fieldsOf(error);
  if (fields.code === 'slack_webapi_rate_limited_error') {
    return { kind: 'transient', code: 'ratelimited', status: 429, detail: `Slack rate-limited the request: ${messageOf(error)}`, alarm: false };
  }
  if (fields.code === 'slack_webapi_http_error' && typeof fields.statusCode === 'number') {
    const status = fields.statusCode;
    const transient = status === 429 || status >= 500;
    return { kind: transient ? 'transient' : 'permanent', code: `http_${status}`, status, detail: `Slack answered HTTP ${status}`, alarm: false };
  }
  // A request error wraps the socket failure in `original`.
  const network = networkFailure(fields.original ?? error);
  if (network || fields.code === 'slack_webapi_request_error') {
    return network ?? { kind: 'transient', code: null, status: null, detail: `network error: ${messageOf(error)}`, alarm: false };
  }
  return { kind: 'transient', code: null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
}
