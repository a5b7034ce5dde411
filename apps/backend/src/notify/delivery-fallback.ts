import { escapeSlackText, type Channel } from '@klaxon/contracts';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import type { Queryable } from '../db/database';
import type { AlertNotices } from '../channels/alert-notices';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { NotifyFailure } from '../channels/notify-error';
import { eventOf, whoOf } from './delivery-event';
import type { DeliveryPlanner } from './delivery-planner';
import type { Delivery } from './delivery.repository';

export interface DeliveryFallbackOptions {
  registry: ChannelRegistry;
  planner: DeliveryPlanner;
  notices: AlertNotices;
}

/**
 * What follows a page that will not arrive, however it was found out (the send failed, or the provider
 * reported it undelivered later): its event, the channel's fallback (registry data), and a word in the
 * alert's thread.
 */
export class DeliveryFallback {
  constructor(private readonly options: DeliveryFallbackOptions) {}

  /**
   * The failure's event, and for a permanent one the channel's fallback (WhatsApp → SMS) planned in the
   * caller's transaction. Returns the fallback channel when one was queued.
   */
  async failAndFallBack(t: Queryable, delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<Channel | null> {
    const fallback = failure.kind === 'permanent' ? this.options.registry.fallbackOf(delivery.channel) : null;
    await appendAlertEvent(t, eventOf(delivery, alert, 'notification.failed', { code: failure.code, detail: failure.detail, permanent: failure.kind === 'permanent' }));
    if (!fallback) return null;
    // Not opted in, outside the 24-hour window, not a WhatsApp number: a plain SMS still gets through.
    const queued = await this.options.planner.plan(t, alert.severity, [{ ...delivery, channel: fallback, fallbackOf: delivery.id, heldUntil: null, holdReason: null }]);
    if (queued.length === 0) return null;
    await appendAlertEvent(t, eventOf({ ...delivery, channel: fallback }, alert, 'notification.fallback', { from: delivery.channel, reason: failure.code }));
    return fallback;
  }

  /** Says in the alert's thread that a page will not arrive, and what is tried instead. */
  async tellFailed(delivery: Delivery, alert: Alert, failure: NotifyFailure, fallback: Channel | null): Promise<void> {
    // A failed post to the alert's own channel is not said there: there is nowhere left to say it.
    const { registry } = this.options;
    if (registry.isAlertChannel(delivery.channel)) return;
    const next = fallback ? ` Trying ${registry.label(fallback)} instead.` : '';
    // The detail quotes the provider's error text, which can quote what was sent: escaped, it cannot ping or link.
    await this.options.notices.tell(alert, `⚠️ ${registry.label(delivery.channel)} to ${whoOf(delivery)} failed: ${escapeSlackText(failure.detail)}.${next}`);
  }
}
