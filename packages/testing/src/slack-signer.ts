import { createHmac, randomBytes } from 'node:crypto';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

export interface SignSlackRequestOptions {
  signingSecret: string;
  /** The exact bytes that will be sent: Slack signs the raw body, not a re-serialisation of it. */
  body: string;
  /** Unix time in seconds; defaults to now. Pass an old one to test the replay window. */
  timestamp?: number;
}

/** Signs a request the way Slack does (v0: HMAC-SHA256 over `v0:<timestamp>:<body>`). */
export function signSlackRequest({ signingSecret, body, timestamp }: SignSlackRequestOptions): SlackSignatureHeaders {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const digest = createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': ts };
}

/** The form fields Slack posts for a slash command, in the order Slack sends them. */
export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  enterprise_id?: string;
  enterprise_name?: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

let triggerSequence = 0;

/** A URL-encoded slash-command body; only `text` is required, the rest has workspace-like defaults. */
export function slashCommandBody(fields: Partial<SlashCommandFields> & { text: string }): string {
  const teamId = fields.team_id ?? 'T0001';
  const defaults: SlashCommandFields = {
    token: 'test-verification-token',
    team_id: teamId,
    team_domain: 'klaxon-test',
    channel_id: 'C0001',
    channel_name: 'incidents',
    user_id: 'U0001',
    user_name: 'alice',
    command: '/alert',
    text: fields.text,
    api_app_id: 'A0001',
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${teamId}/1000000000001/${randomBytes(12).toString('hex')}`,
    trigger_id: nextTriggerId(),
  };
  return encodeForm({ ...defaults, ...withoutUndefined(fields) });
}

/** The body Slack posts for interactivity (block_actions, view_submission…): one `payload` field of JSON. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

// Bolt and the gateway dedupe or log by trigger_id, so two commands in one test must not share one.
function nextTriggerId(): string {
  triggerSequence += 1;
  return `${Date.now()}.${triggerSequence}.${randomBytes(8).toString('hex')}`;
}

function withoutUndefined(fields: Partial<SlashCommandFields>): Partial<SlashCommandFields> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function encodeForm(fields: Partial<SlashCommandFields>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) params.append(key, value);
  }
  return params.toString();
}
