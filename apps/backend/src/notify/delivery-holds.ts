import type { Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import type { Database } from '../db/database';
import type { AlertNotices } from '../channels/alert-notices';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { Clock } from '../time/clock';
import type { DeliveryQueue } from './delivery-queue';
import { noDeliveryRecorder, type DeliveryRecorder } from './delivery-recorder';
import { eventOf, printable, whoOf } from './delivery-event';
import { dueHeldDeliveries, holdDelivery, recentPagesTo } from './delivery-hold.repository';
import type { Delivery } from './delivery.repository';

export interface RecipientLimit {
  /** Pages one address may receive per window (PAGE_LIMIT_PER_RECIPIENT / PAGE_LIMIT_WINDOW). */
  perRecipient: number;
  windowMs: number;
}

export interface DeliveryHoldsOptions {
  db: Database;
  registry: ChannelRegistry;
  queue: DeliveryQueue;
  notices: AlertNotices;
  logger: Logger;
  clock: Clock;
  /** Unset: pages to one address are not limited. */
  recipientLimit?: RecipientLimit;
  recorder?: DeliveryRecorder;
}

/**
 * Pages that wait on purpose: held when their recipient reached their limit, and queued again once their
 * time has come by the clock (a recipient's window with room, the end of quiet hours).
 */
export class DeliveryHolds {
  private readonly recorder: DeliveryRecorder;

  constructor(private readonly options: DeliveryHoldsOptions) {
    this.recorder = options.recorder ?? noDeliveryRecorder;
  }

  /**
   * One address receives at most `perRecipient` pages per window, whichever tenants and backends send them,
   * so a loop cannot flood one person. Beyond it the page is held (not sent, not failed) until the window
   * has room: then it is sent, or cancelled if the alert was handled meanwhile. Counted after this
   * delivery's claim, and claims count as pages: of two backends claiming pages to one address at once,
   * each sees the other's, so the limit is never exceeded (at worst both wait).
   */
  async holdIfOverLimit(delivery: Delivery, alert: Alert): Promise<boolean> {
    const { db, logger, recipientLimit: limit, registry, clock } = this.options;
    // The alert's own Slack channel is not a person to protect.
    if (!limit || registry.isAlertChannel(delivery.channel)) return false;
    const recent = await recentPagesTo(db, delivery.address, { windowMs: limit.windowMs, limit: limit.perRecipient, exceptId: delivery.id, now: clock.now() });
    if (recent.count < limit.perRecipient || !recent.roomAt) return false;
    const until = recent.roomAt;
    const detail = `${printable(delivery)} has received ${recent.count} pages in the last ${windowText(limit.windowMs)} (PAGE_LIMIT_PER_RECIPIENT)`;
    const toldBefore = delivery.holdReason === 'recipient_limit';
    await db.tx('hold-delivery', async (t) => {
      await holdDelivery(t, delivery.id, { until, reason: 'recipient_limit', detail }, clock.now());
      await appendAlertEvent(t, eventOf(delivery, alert, 'notification.held', { detail, reason: 'recipient_limit', count: recent.count, limit: limit.perRecipient, window_ms: limit.windowMs, until: until.toISOString() }));
      await this.options.queue.enqueue(t, [{ deliveryId: delivery.id, severity: alert.severity, runAt: until }]);
    });
    this.recorder.outcome(delivery.channel, 'held');
    logger.warn('page held: the recipient reached their limit', { alertId: alert.id, deliveryId: delivery.id, channel: delivery.channel, to: printable(delivery), count: recent.count, until: until.toISOString() });
    if (!toldBefore) {
      const text = `⏸ page to ${whoOf(delivery)} held (${registry.label(delivery.channel)}): ${detail}; it goes out when there is room, unless the alert is acknowledged first.`;
      await this.options.notices.tell(alert, text);
    }
    return true;
  }

  /** Queues held deliveries whose time has come by the clock (their job may have run a moment early, or be gone). */
  async releaseDue(): Promise<number> {
    const { db, clock } = this.options;
    const due = await dueHeldDeliveries(db, clock.now());
    if (due.length === 0) return 0;
    await this.options.queue.enqueue(db, due);
    return due.length;
  }
}

/** `3 min`, or `2 s` for a window under a minute (tests use such). */
const windowText = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
