import type { Logger } from '@klaxon/logger';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import { findAlertById } from '../alerts/alert.repository';
import type { Database } from '../db/database';
import type { NotifyFailure } from '../channels/notify-error';
import type { ProviderReceipt } from '../channels/receipt';
import type { Clock } from '../time/clock';
import { refreshSlackMessage } from './alert-message.jobs';
import { eventOf, printable } from './delivery-event';
import type { DeliveryFallback } from './delivery-fallback';
import { recordAnsweredBy, recordProviderStatus } from './delivery-receipt.repository';
import { findDelivery, type Delivery } from './delivery.repository';

/** What a report changed: the delivery when it moved, and whether the page reached nobody (escalate now). */
export interface ProviderReportOutcome {
  delivery: Delivery | null;
  moved: boolean;
  reachedNobody: boolean;
}

export interface DeliveryReceiptsOptions {
  db: Database;
  fallback: DeliveryFallback;
  logger: Logger;
  clock: Clock;
}

/**
 * What the provider tells about a page after it went out, in provider-neutral receipts (the provider room
 * translates its own callbacks): the delivery's status, a fallback when it was not delivered, and whether
 * it reached nobody.
 */
export class DeliveryReceipts {
  constructor(private readonly options: DeliveryReceiptsOptions) {}

  /**
   * A status the provider reported for a page (Twilio's StatusCallback). Statuses only move forward, so a
   * repeated or late callback changes nothing. A message that ends undelivered takes the channel's fallback
   * exactly as a permanent send failure does (once: only the first final status moves the delivery). A call
   * that was busy, not answered, failed, or answered by a machine reached nobody: the caller escalates.
   */
  async providerReported(deliveryId: string, report: ProviderReceipt): Promise<ProviderReportOutcome> {
    const { db, clock, logger } = this.options;
    const at = clock.now();
    // The move, its event, the channel message's refresh and a fallback commit together: a callback that
    // moved the delivery has done all of it, and a repeat (which moves nothing) has nothing left to do.
    const outcome = await db.tx('provider-status', async (t) => {
      let moved: Delivery | null = null;
      let reachedNobody = false;
      let undelivered = false;
      if (report.answeredBy) {
        moved = await recordAnsweredBy(t, deliveryId, report.answeredBy, at);
        reachedNobody = moved !== null && report.answeredBy === 'machine';
      }
      if (report.status && report.rank !== null) {
        const updated = await recordProviderStatus(t, deliveryId, { status: report.status, rank: report.rank, errorCode: report.errorCode, at });
        if (updated) {
          moved = updated;
          if (report.unanswered) reachedNobody = true;
          if (report.undelivered) undelivered = true;
        }
      }
      if (!moved) return { delivery: await findDelivery(t, deliveryId), alert: null, reachedNobody: false, fallback: null };
      const alert = await findAlertById(t, moved.alertId);
      if (!alert) return { delivery: moved, alert: null, reachedNobody: false, fallback: null };
      await appendAlertEvent(t, eventOf(moved, alert, 'notification.status', { status: report.status, answered_by: moved.answeredBy, error_code: report.errorCode }));
      await refreshSlackMessage(t, alert);
      // Handled meanwhile: nobody needs a fallback or another round any more.
      const open = alert.status === 'triggered';
      const failure: NotifyFailure | null =
        undelivered && open
          ? {
              kind: 'permanent',
              code: report.errorCode ? `${report.provider.toLowerCase()}_${report.errorCode}` : `provider_${report.status}`,
              status: null,
              detail: `${report.provider} reported the message ${report.status}${report.errorCode ? ` (error ${report.errorCode})` : ''}`,
              alarm: false,
            }
          : null;
      const fallback = failure ? await this.options.fallback.failAndFallBack(t, moved, alert, failure) : null;
      return { delivery: moved, alert, reachedNobody: reachedNobody && open, fallback: failure ? { failure, channel: fallback } : null };
    });
    const { delivery, alert } = outcome;
    if (delivery) logger.info('provider status', { deliveryId, channel: delivery.channel, to: printable(delivery), status: report.status, answeredBy: report.answeredBy, errorCode: report.errorCode, moved: alert !== null });
    if (delivery && alert && outcome.fallback) await this.options.fallback.tellFailed(delivery, alert, outcome.fallback.failure, outcome.fallback.channel);
    return { delivery, moved: alert !== null, reachedNobody: outcome.reachedNobody };
  }
}
