import type { Channel } from '@klaxon/contracts';
import type { AddressKind, ChannelRole, ChannelSender } from './channel';

/** The addresses a target may have; a channel picks the one of its kind. */
export interface Addresses {
  phone: string | null;
  email: string | null;
  slackChannelId?: string | null;
}

const ADDRESS_OF: Record<AddressKind, (addresses: Addresses) => string | null> = {
  phone: (a) => a.phone,
  email: (a) => a.email,
  slack_channel: (a) => a.slackChannelId ?? null,
};

/** The registered channels of each role, best first (registration order): what the policy picks from. */
export type ChannelsByRole = Readonly<Partial<Record<ChannelRole, readonly Channel[]>>>;

/**
 * What one provider room registers: its senders, where a permanent failure on one of them is retried
 * (WhatsApp → SMS), and which of them may carry a text that is not a page (a verification code), best first.
 */
export interface ChannelRegistration {
  senders: readonly ChannelSender[];
  fallbacks?: Partial<Record<Channel, Channel>>;
  textOrder?: readonly Channel[];
}

/**
 * Every channel Klaxon can send on, registered in one place (the composition root), with its fallback as
 * data. The registry is the set of channels: the policy picks by role, contacts are checked against it, the API
 * shows its labels, and nothing else in the engine names a channel.
 */
export class ChannelRegistry {
  /** One registry of what each provider room registers (backend.ts: one line per room). */
  static of(...registrations: readonly ChannelRegistration[]): ChannelRegistry {
    return new ChannelRegistry(
      registrations.flatMap((r) => r.senders),
      Object.assign({}, ...registrations.map((r) => r.fallbacks ?? {})),
      registrations.flatMap((r) => r.textOrder ?? []),
    );
  }

  private readonly senders = new Map<Channel, ChannelSender>();
  private readonly fallbackTable: Partial<Record<Channel, Channel>>;
  private readonly textOrder: readonly Channel[];

  /** `textOrder`: the channels a text that is not a page (a verification code) may go on, best first. */
  constructor(senders: readonly ChannelSender[], fallbacks: Partial<Record<Channel, Channel>> = {}, textOrder: readonly Channel[] = []) {
    for (const sender of senders) {
      if (this.senders.has(sender.channel)) throw new Error(`channel ${sender.channel} is registered twice`);
      this.senders.set(sender.channel, sender);
    }
    for (const [from, to] of Object.entries(fallbacks)) {
      if (!this.senders.has(from as Channel) || !to || !this.senders.has(to)) throw new Error(`fallback ${from} → ${to} names an unregistered channel`);
    }
    this.fallbackTable = fallbacks;
    this.textOrder = textOrder;
  }

  sender(channel: Channel): ChannelSender {
    const sender = this.senders.get(channel);
    if (!sender) throw new Error(`no sender is registered for channel ${channel}`);
    return sender;
  }

  has(channel: Channel): boolean {
    return this.senders.has(channel);
  }

  /** Where a permanent failure on `channel` is retried, if anywhere (WhatsApp → SMS). */
  fallbackOf(channel: Channel): Channel | null {
    return this.fallbackTable[channel] ?? null;
  }

  /**
   * How people read `channel` ("WhatsApp", "call"). A channel no longer registered (a delivery from before it
   * was removed) is shown by its name.
   */
  label(channel: Channel): string {
    return this.senders.get(channel)?.label ?? channel;
  }

  /** Every registered channel's label, for the answers that name channels (the gateway shows these). */
  labels(): Record<string, string> {
    return Object.fromEntries(this.list().map((sender) => [sender.channel, sender.label]));
  }

  /** The registered channels of each role, in registration order: the policy's choice among them. */
  byRole(): ChannelsByRole {
    const byRole: Partial<Record<ChannelRole, Channel[]>> = {};
    for (const sender of this.list()) (byRole[sender.role] ??= []).push(sender.channel);
    return byRole;
  }

  /** The channels a person may accept (`channels` of a contact): every registered one but the alert's room. */
  personChannels(): Channel[] {
    return this.list()
      .filter((sender) => sender.role !== 'room')
      .map((sender) => sender.channel);
  }

  /** The kind of address `channel` sends to; null when it is not registered. */
  addressKindOf(channel: Channel): AddressKind | null {
    return this.senders.get(channel)?.address ?? null;
  }

  /** The address `channel` sends to for someone with these addresses; null when they have none of its kind. */
  addressFor(channel: Channel, addresses: Addresses): string | null {
    return ADDRESS_OF[this.sender(channel).address](addresses);
  }

  /** The channel that posts in the alert's own room (escalation notices, low pages), if registered. */
  alertChannel(): Channel | null {
    return this.list().find((sender) => sender.role === 'room')?.channel ?? null;
  }

  /** Whether `channel` posts in the alert's own room rather than reaching a person. */
  isAlertChannel(channel: Channel): boolean {
    return this.sender(channel).role === 'room';
  }

  /** The accepted channels that are registered and have an address among `addresses`, in the person's order. */
  reaching<C extends Channel>(accepts: readonly C[], addresses: Addresses): C[] {
    return accepts.filter((channel) => this.has(channel) && this.addressFor(channel, addresses) !== null);
  }

  /**
   * The first channel of the text order that can carry a plain text to an address of this kind and is
   * configured to send (a verification code: SMS, else WhatsApp); null when none can.
   */
  textChannelFor(address: AddressKind): ChannelSender | null {
    for (const channel of this.textOrder) {
      const sender = this.senders.get(channel);
      if (sender?.sendText && sender.configured !== false && sender.address === address) return sender;
    }
    return null;
  }

  /** The channels a text may go on, best first (for the sentence that says what to configure). */
  textChannels(): readonly Channel[] {
    return this.textOrder;
  }

  /** Every registered channel, in registration order, with its declared traits and capabilities (for /health). */
  list(): ChannelSender[] {
    return [...this.senders.values()];
  }
}
