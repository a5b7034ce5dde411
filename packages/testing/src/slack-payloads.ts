import { randomBytes } from 'node:crypto';

export interface ButtonClickOptions {
  actionId: string;
  value: string;
  responseUrl: string;
  userId?: string;
  teamId?: string;
  channelId?: string;
  messageTs?: string;
}

/**
 * A `block_actions` payload for a button clicked on a bot message in a channel, with the fields Slack
 * documents for it (user, team, container, channel, message, response_url, actions…). Pass the result to
 * `interactionBody` and sign it like any other request.
 */
export function buttonClickPayload({ actionId, value, responseUrl, userId = 'U0002', teamId = 'T0001', channelId = 'C0001', messageTs = '1700000000.000100' }: ButtonClickOptions) {
  const actionTs = `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    user: { id: userId, username: 'bob', name: 'bob', team_id: teamId },
    api_app_id: 'A0001',
    token: 'test-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
    team: { id: teamId, domain: 'klaxon-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: 'incidents' },
    message: { type: 'message', subtype: 'bot_message', text: 'alert', ts: messageTs, bot_id: 'B0001', blocks: [] },
    state: { values: {} },
    response_url: responseUrl,
    actions: [{ action_id: actionId, block_id: 'klaxon_actions', text: { type: 'plain_text', text: 'Acknowledge', emoji: true }, value, type: 'button', action_ts: actionTs }],
  };
}
