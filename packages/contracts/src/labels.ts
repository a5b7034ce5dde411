import type { Channel, DeliveryReceiptDto, Severity } from './alert';

// One spelling for people, shared by the gateway's replies and the backend's channel message, so a
// user never sees "voice" in one place and "call" in the other.
export const CHANNEL_LABELS: Record<Channel, string> = { whatsapp: 'WhatsApp', sms: 'SMS', voice: 'call', email: 'email', slack: 'Slack' };
export const SEVERITY_EMOJI: Record<Severity, string> = { low: '🔵', medium: '🟡', high: '🟠', critical: '🔴' };

/** `WhatsApp + call`: how a target is being paged. */
export const describeChannels = (channels: readonly Channel[]): string => channels.map((c) => CHANNEL_LABELS[c]).join(' + ');

/** `WhatsApp read`, `call answered`, `call went to voicemail`: one receipt in words (the time is the reader's to format). */
export function describeReceipt(receipt: Pick<DeliveryReceiptDto, 'channel' | 'status'>): string {
  const label = CHANNEL_LABELS[receipt.channel];
  if (receipt.status === 'voicemail') return `${label} went to voicemail`;
  if (receipt.status === 'no-answer') return `${label} not answered`;
  return `${label} ${receipt.status}`;
}
