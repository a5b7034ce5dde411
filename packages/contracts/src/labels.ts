import type { Channel, DeliveryReceiptDto, KnownChannel, Severity } from './alert';

/**
 * How people read the shipped channels. Each channel now declares its own label in the backend, which sends the
 * labels with every answer that names channels (`channel_labels`); this table is the fallback for an answer
 * from a backend older than that.
 */
export const CHANNEL_LABELS: Readonly<Record<KnownChannel, string>> = { whatsapp: 'WhatsApp', sms: 'SMS', voice: 'call', email: 'email', slack: 'Slack' };

/** A channel's label for people: the one the backend sent, else the shipped one, else its name. */
export function channelLabel(channel: Channel, labels?: Readonly<Record<string, string>>): string {
  if (labels && Object.hasOwn(labels, channel)) return labels[channel]!;
  return Object.hasOwn(CHANNEL_LABELS, channel) ? CHANNEL_LABELS[channel as KnownChannel] : channel;
}
export const SEVERITY_EMOJI: Record<Severity, string> = { low: '🔵', medium: '🟡', high: '🟠', critical: '🔴' };

/** `WhatsApp + call`: how a target is being paged (`labels`: the backend's, see channelLabel). */
export const describeChannels = (channels: readonly Channel[], labels?: Readonly<Record<string, string>>): string => channels.map((c) => channelLabel(c, labels)).join(' + ');

/** `WhatsApp read`, `call answered`, `call went to voicemail`: one receipt in words (the time is the reader's to format). */
export function describeReceipt(receipt: Pick<DeliveryReceiptDto, 'channel' | 'status'>, labels?: Readonly<Record<string, string>>): string {
  const label = channelLabel(receipt.channel, labels);
  if (receipt.status === 'voicemail') return `${label} went to voicemail`;
  if (receipt.status === 'no-answer') return `${label} not answered`;
  return `${label} ${receipt.status}`;
}
