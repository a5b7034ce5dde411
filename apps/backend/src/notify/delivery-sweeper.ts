import type { Logger } from '@klaxon/logger';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import type { TwilioWebhookMemory } from '../twilio/twilio-webhook-memory';
import { claimOrphanedQueued, requeueExpiredLeases, settleExpiredSent } from './delivery-sweep.repository';
import type { DeliveryQueue } from './delivery-queue';
import { eventOf } from './delivery-event';
import type { DeliveryHolds } from './delivery-holds';
import type { DeliverySender } from './delivery-sender';
import { deliveryJobKey } from '../jobs/job-queue';

export interface DeliverySweeperOptions {
  db: Database;
  logger: Logger;
  /** What leases, grace periods and holds are measured against. */
  clock: Clock;
  /** This process's sender: the pages it sent but could not record are its to record, never to queue again. */
  sender: Pick<DeliverySender, 'recordUnrecorded' | 'unrecordedIds'>;
  holds: Pick<DeliveryHolds, 'releaseDue'>;
  queue: DeliveryQueue;
  /** A queued delivery must be this old before a missing job counts as lost rather than not yet visible. */
  orphanGraceMs: number;
  /** Processed Twilio webhooks, whose callbacks about pages are forgotten once old (see WEBHOOK_MEMORY_DAYS). */
  webhooks: Pick<TwilioWebhookMemory, 'forgetOld'>;
}

export interface SweepResult {
  /** Sent pages this process could not record earlier, recorded now. */
  recordedLate: number;
  /** Expired leases of pages a provider had accepted: recorded as sent, not sent again. */
  settled: number;
  /** Expired leases of pages no provider accepted (their backend died): queued again. */
  requeued: number;
  /** Queued deliveries whose job was gone: given a job again. */
  orphans: number;
  /** Held deliveries whose time had come: queued now. */
  released: number;
  /** Twilio callbacks about pages old enough to be forgotten. */
  forgottenWebhooks: number;
}

/**
 * Puts deliveries that lost their way back on track; every backend runs it, row locks keep two sweeps from
 * taking the same row. The order matters: this process's unrecorded sends are recorded before expired
 * leases are looked at (and skipped by them while they still cannot be recorded), and a lease whose
 * delivery carries a provider id is settled as sent, so a page a provider accepted is never queued again.
 * Only a `sending` delivery with no trace of the provider's answer goes back to the queue: its backend died
 * before sending, or after sending but before any write landed (the one double-page window, README
 * "Delivery guarantees").
 */
export class DeliverySweeper {
  constructor(private readonly options: DeliverySweeperOptions) {}

  async sweep(): Promise<SweepResult> {
    const { db, logger, clock, sender, holds, queue, orphanGraceMs, webhooks } = this.options;
    const recordedLate = await sender.recordUnrecorded();
    const { settled, requeued } = await db.tx('sweep-expired-deliveries', async (t) => {
      const sent = await settleExpiredSent(t, clock.now());
      for (const d of sent) {
        // settleExpiredSent settles only deliveries that carry the provider's id.
        await appendAlertEvent(t, eventOf(d, { id: d.alertId, tenantId: d.tenantId }, 'notification.sent', { provider_id: d.providerMessageId!, recorded_by: 'sweeper' }));
      }
      const requeued = await requeueExpiredLeases(t, clock.now(), sender.unrecordedIds());
      await queue.enqueue(t, requeued);
      return { settled: sent, requeued: requeued.map((d) => d.deliveryId) };
    });
    // The same key as the first job: adding it replaces a dead job and can never make a second one.
    const orphans = await db.tx('requeue-orphaned-deliveries', async (t) => {
      const orphaned = await claimOrphanedQueued(t, clock.now(), orphanGraceMs, deliveryJobKey(''));
      await queue.enqueue(t, orphaned);
      return orphaned.map((d) => d.deliveryId);
    });
    const released = await holds.releaseDue();
    const forgottenWebhooks = await webhooks.forgetOld();
    if (settled.length > 0) logger.warn('deliveries a provider had accepted were recorded as sent by the sweeper', { deliveryIds: settled.map((d) => d.id), providerMessageIds: settled.map((d) => d.providerMessageId) });
    if (requeued.length > 0) logger.warn('deliveries whose backend died were queued again', { count: requeued.length, deliveryIds: requeued });
    if (orphans.length > 0) logger.warn('queued deliveries whose job was gone were given a new one', { count: orphans.length, deliveryIds: orphans });
    return { recordedLate, settled: settled.length, requeued: requeued.length, orphans: orphans.length, released, forgottenWebhooks };
  }
}
