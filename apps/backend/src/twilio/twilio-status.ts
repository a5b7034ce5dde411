import type { Channel, DeliveryReceiptDto, ReceiptStatus } from '@klaxon/contracts';
import type { ProviderReceipt } from '../channels/receipt';

/**
 * Twilio's message and call statuses, ranked by how far along a page they are. A delivery only ever moves
 * to a higher rank: callbacks repeat and arrive out of order (`sent` after `delivered`), and a final one
 * (`undelivered`, `completed`, `busy`…) is never overwritten. `read` ranks above the failures because a
 * read message cannot have failed; the failures of one kind share a rank so the first one wins.
 */
export const PROVIDER_STATUS_RANK: Readonly<Record<string, number>> = {
  // Messages
  accepted: 10,
  scheduled: 10,
  queued: 10,
  sending: 20,
  sent: 30,
  delivered: 40,
  undelivered: 50,
  failed: 50,
  canceled: 50,
  read: 60,
  // Calls (`queued`, `failed`, `canceled` as above)
  initiated: 15,
  ringing: 20,
  'in-progress': 30,
  completed: 50,
  busy: 50,
  'no-answer': 50,
};

/** A message that ended like this never reached the phone: it takes the channel's fallback (WhatsApp → SMS). */
export const UNDELIVERED_STATUSES: ReadonlySet<string> = new Set(['undelivered', 'failed']);

/** A call that ended like this reached nobody: the next escalation round comes at once. */
export const UNANSWERED_CALL_STATUSES: ReadonlySet<string> = new Set(['busy', 'no-answer', 'failed', 'canceled']);

/** Twilio's AnsweredBy: `human`, `unknown`, `fax`, or `machine_start` / `machine_end_beep` / … */
export function answeredByOf(value: string): 'human' | 'machine' | 'unknown' {
  if (value === 'human') return 'human';
  if (value.startsWith('machine') || value === 'fax') return 'machine';
  return 'unknown';
}

/**
 * A StatusCallback (a message's or a call's status) or a call's AnsweredBy verdict, as the receipt the engine
 * reads. An unknown status word has no rank, so it moves nothing.
 */
export function receiptOf(fields: Readonly<Record<string, string>>): ProviderReceipt {
  const kind = fields.CallSid ? 'call' : 'message';
  const status = fields.CallStatus ?? fields.MessageStatus ?? null;
  const rank = status === null ? null : (PROVIDER_STATUS_RANK[status] ?? null);
  return {
    kind,
    status,
    rank,
    undelivered: kind === 'message' && status !== null && UNDELIVERED_STATUSES.has(status),
    unanswered: kind === 'call' && status !== null && UNANSWERED_CALL_STATUSES.has(status),
    answeredBy: fields.AnsweredBy ? answeredByOf(fields.AnsweredBy) : null,
    errorCode: fields.ErrorCode || null,
    provider: 'Twilio',
  };
}

/** What a delivery's provider status says to people; null while it says nothing yet (queued, sending). */
export function receiptStatusOf(delivery: { providerStatus: string | null; answeredBy: string | null }): ReceiptStatus | null {
  const { providerStatus: status, answeredBy } = delivery;
  // Only calls have an AnsweredBy: a machine's answer is voicemail, whatever the call's status says.
  if (answeredBy === 'machine') return 'voicemail';
  switch (status) {
    case 'sent':
    case 'delivered':
    case 'read':
    case 'undelivered':
    case 'ringing':
    case 'busy':
    case 'no-answer':
      return status;
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'in-progress':
    case 'completed':
      return 'answered';
    default:
      return null;
  }
}

/**
 * Per person (Slack user id, else the address), what reached them: on each channel, the furthest receipt of
 * its pages (the latest status of the latest page that has one).
 */
export function receiptsByPerson(
  deliveries: readonly { channel: Channel; slackUserId: string | null; address: string; providerStatus: string | null; providerStatusAt: Date | null; answeredBy: string | null }[],
): Map<string, DeliveryReceiptDto[]> {
  const byPerson = new Map<string, Map<Channel, DeliveryReceiptDto>>();
  for (const delivery of deliveries) {
    const status = receiptStatusOf(delivery);
    if (!status || !delivery.providerStatusAt) continue;
    const person = delivery.slackUserId ?? delivery.address;
    const channels = byPerson.get(person) ?? new Map<Channel, DeliveryReceiptDto>();
    const known = channels.get(delivery.channel);
    const at = delivery.providerStatusAt.toISOString();
    if (!known || known.at <= at) channels.set(delivery.channel, { channel: delivery.channel, status, at });
    byPerson.set(person, channels);
  }
  return new Map([...byPerson].map(([person, channels]) => [person, [...channels.values()]]));
}
