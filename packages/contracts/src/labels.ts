import type { Channel, Severity } from './alert';

// One spelling for people, shared by the gateway's replies and the backend's channel message, so a
// user never sees "voice" in one place and "call" in the other.
export const CHANNEL_LABELS: Record<Channel, string> = { whatsapp: 'WhatsApp', sms: 'SMS', voice: 'call', email: 'email', slack: 'Slack' };
export const SEVERITY_EMOJI: Record<Severity, string> = { low: '🔵', medium: '🟡', high: '🟠', critical: '🔴' };

/** `WhatsApp + call`: how a target is being paged. */
export const describeChannels = (channels: readonly Channel[]): string => channels.map((c) => CHANNEL_LABELS[c]).join(' + ');
