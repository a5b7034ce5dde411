import type { AlertOrigin, Channel, Severity } from '@klaxon/contracts';

/** Which of a target's addresses a channel sends to. */
export type AddressKind = 'phone' | 'email' | 'slack_channel';

/**
 * The part a channel plays in the notification policy, which is written in roles and never in channel names:
 * `message` a written page to a person's phone (WhatsApp, SMS), `call` a call that wakes them, `mail` a page to
 * their mailbox, `room` a post in the alert's own room (its Slack channel) rather than to a person. Of two
 * channels with one role, the policy takes the first registered that the person accepts (WhatsApp before SMS);
 * a send that fails for good moves to the channel's fallback (registration data).
 */
export const CHANNEL_ROLES = ['message', 'call', 'mail', 'room'] as const;
export type ChannelRole = (typeof CHANNEL_ROLES)[number];

/**
 * What a channel can do beyond sending (GoAlert's nfydest TypeInfo): the engine asks, never assumes. Each is
 * read where it matters: `statusCallbacks` by the sender (a page carries callback URLs only then), `replies` by
 * the page's words (see `offersReplies`).
 */
export interface ChannelCapabilities {
  /** The provider reports delivery statuses back (Twilio StatusCallback). */
  statusCallbacks: boolean;
  /** The person can answer on the same channel (`ack 42`, a keypress). */
  replies: boolean;
}

/**
 * What a channel declares about itself so that nothing else need name it: its name (the deliveries table, the
 * API, metrics), its label for people ("WhatsApp", "call"), its role in the policy, and the address it sends to.
 * A stand-in (the log channel) declares the same as the channel it stands in for.
 */
export interface ChannelTraits {
  readonly channel: Channel;
  readonly label: string;
  readonly role: ChannelRole;
  readonly address: AddressKind;
}

/** The alert as a message needs it: enough to say what, how bad, and how to acknowledge. */
export interface MessageAlert {
  id: string;
  tenantId: string;
  number: number;
  /** What a reply types after the number (`ack 42-K7`), so that a reply names this alert and no other tenant's #42. */
  replyCode: string;
  severity: Severity;
  message: string;
  /** Where the alert came in; only `slack` text is Slack markup. */
  origin: AlertOrigin;
  createdAt: Date;
  /** Who raised it, for people: `<@U…>` is rendered by Slack only, so channels format it themselves. */
  raisedBy: string | null;
  /**
   * Whether the alert lives in Slack (raised there, or posted in a channel), so `/alert ack` and the
   * message's button can acknowledge it; a page for an alert outside Slack must not send people there.
   */
  inSlack: boolean;
  /** A test page (`/alert test`): marked TEST, nothing to acknowledge. */
  test?: boolean;
  /** Slack user ids of the people paged (the channel reminder names them). */
  paged: string[];
}

/**
 * One message to send: a page to a person, or on the alert's Slack channel its escalation notice.
 * `to` is the address of the channel's kind (E.164, an email address, a Slack channel id).
 */
export interface OutboundMessage {
  to: string;
  alert: MessageAlert;
  now: Date;
  /** The delivery this message is; Twilio's callbacks name it in their URL. */
  deliveryId?: string;
  /**
   * `<PUBLIC_BASE_URL>/twilio` for a channel whose capabilities say `statusCallbacks`: the message carries
   * `<callbackBase>/status/<deliveryId>` (and a call gathers its keypress at `<callbackBase>/keypress/<deliveryId>`).
   * Absent: no callbacks (the message is sent on its own, as in a channel test).
   */
  callbackBase?: string | null;
}

/** The URLs Twilio calls back about this message, when it has a delivery and a callback base. */
export function callbackUrls(message: OutboundMessage): { status: string; keypress: string } | null {
  if (!message.callbackBase || !message.deliveryId) return null;
  const id = encodeURIComponent(message.deliveryId);
  return { status: `${message.callbackBase}/status/${id}`, keypress: `${message.callbackBase}/keypress/${id}` };
}

/** The provider accepted the message; its id is recorded on the delivery (Twilio SID, SMTP Message-ID, Slack ts). */
export interface SendResult {
  providerMessageId: string;
}

/** A short text that is not a page (a verification code): no alert, no delivery, no callbacks. */
export interface TextMessage {
  to: string;
  text: string;
  /** The one-time code `text` carries: a channel with an approved authentication template sends it through that instead. */
  code?: string;
}

/**
 * Whether a page may invite an answer on its own channel (`reply "ack 42-K7"`, "press 1"): only on a channel
 * that declares `replies`, and only for a delivery Klaxon can match the answer to (it carries callback URLs; a
 * test page does not).
 */
export function offersReplies(sender: Pick<ChannelSender, 'capabilities'>, message: OutboundMessage): boolean {
  return sender.capabilities.replies && callbackUrls(message) !== null;
}

/**
 * One way of reaching someone. Implementations render the message for their medium and call their provider;
 * every failure is a NotifyError (transient or permanent). Registered once in the ChannelRegistry.
 */
export interface ChannelSender extends ChannelTraits {
  /** `twilio`, `smtp`, `slack`, `log`: for logs and metrics. */
  readonly provider: string;
  readonly capabilities: ChannelCapabilities;
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * False when the channel is registered but cannot send at all (its provider's sender is not configured);
   * absent means it can.
   */
  readonly configured?: boolean;
  /** Sends a plain text that is not a page; only channels that can carry one to a person implement it. */
  sendText?(message: TextMessage): Promise<SendResult>;
}
