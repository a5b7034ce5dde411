import type { Channel, Severity } from '@klaxon/contracts';
import type { PhoneChannel } from './providers/notifier';

/**
 * DESIGN.md "Notification policy", as data:
 *
 * | severity | at once            | each round while still triggered                       |
 * |----------|--------------------|--------------------------------------------------------|
 * | critical | WhatsApp + call    | call again, `rounds` times; then tell the Slack channel |
 * | high     | WhatsApp           | call, `rounds` times; then tell the Slack channel        |
 * | medium   | WhatsApp           | one Slack channel reminder                               |
 * | low      | Slack only         | —                                                        |
 */
const AT_ONCE: Record<Severity, readonly PhoneChannel[]> = {
  critical: ['whatsapp', 'voice'],
  high: ['whatsapp'],
  medium: ['whatsapp'],
  low: [],
};

/** What one escalation round does. */
export interface EscalationStep {
  call: boolean;
  tellChannel: boolean;
  /** Whether another round follows if the alert is still triggered. */
  more: boolean;
}

/**
 * The phone channels to use at once for a person who accepts `accepted`. WhatsApp falls back to SMS up
 * front for someone who does not take WhatsApp.
 */
export function initialChannels(severity: Severity, accepted: readonly Channel[]): PhoneChannel[] {
  return AT_ONCE[severity].flatMap((channel): PhoneChannel[] => {
    if (accepted.includes(channel)) return [channel];
    if (channel === 'whatsapp' && accepted.includes('sms')) return ['sms'];
    return [];
  });
}

/** Round 1 is the first escalation, `escalateAfter` after the alert; null when there is nothing to do. */
export function escalationStep(severity: Severity, round: number, rounds: number): EscalationStep | null {
  if (round < 1) return null;
  switch (severity) {
    case 'critical':
    case 'high':
      if (round <= rounds) return { call: true, tellChannel: false, more: true };
      return round === rounds + 1 ? { call: false, tellChannel: true, more: false } : null;
    case 'medium':
      return round === 1 ? { call: false, tellChannel: true, more: false } : null;
    case 'low':
      return null;
  }
}

/** Whether a severity escalates at all (so a job is scheduled). */
export function escalates(severity: Severity, rounds: number): boolean {
  return escalationStep(severity, 1, rounds) !== null;
}
