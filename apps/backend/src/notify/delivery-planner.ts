import type { Channel, Severity } from '@klaxon/contracts';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent, appendAlertEvents } from '../alerts/alert-event.repository';
import type { RaiseBatch } from '../alerts/raise-batch';
import type { AlertTarget } from '../contacts/target';
import type { Queryable } from '../db/database';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { Clock } from '../time/clock';
import { describeQuietEnd } from '../time/quiet-hours';
import type { DeliveryQueue } from './delivery-queue';
import { noDeliveryRecorder, type DeliveryRecorder } from './delivery-recorder';
import { eventOf, type EventDelivery } from './delivery-event';
import { cancelPendingDeliveries, identifyDeliveries, insertDeliveries, insertDeliveriesQuery, type Delivery, type NewDelivery } from './delivery.repository';

/** The channels one person is paged on in one round: at once, and (quiet hours) later, each at its time. */
export interface PageChannels {
  now: readonly Channel[];
  later?: readonly { channel: Channel; at: Date }[];
}

export interface DeliveryPlannerOptions {
  registry: ChannelRegistry;
  queue: DeliveryQueue;
  clock: Clock;
  recorder?: DeliveryRecorder;
}

/**
 * Turns "page this person on these channels, now or later" into delivery rows and their jobs, in the caller's
 * transaction: the raise, every escalation round and every fallback plan through here, so a page is written
 * one way whoever asks for it. A held page (quiet hours) is said in the alert's events when it is planned;
 * pages not gone out yet are cancelled here when the alert is handled.
 */
export class DeliveryPlanner {
  private readonly recorder: DeliveryRecorder;

  constructor(private readonly options: DeliveryPlannerOptions) {
    this.recorder = options.recorder ?? noDeliveryRecorder;
  }

  /** One person's pages of a round, each to the address the registry finds for its channel. */
  pagesTo(alert: Pick<Alert, 'id' | 'tenantId'>, target: AlertTarget, round: number, channels: PageChannels): NewDelivery[] {
    const delivery = (channel: Channel, heldUntil: Date | null): NewDelivery => ({
      alertId: alert.id,
      tenantId: alert.tenantId,
      channel,
      slackUserId: target.slackUserId,
      address: this.options.registry.addressFor(channel, target)!,
      round,
      heldUntil,
      holdReason: heldUntil ? 'quiet_hours' : null,
      holdZone: target.quietHours?.timeZone ?? null,
    });
    return [...channels.now.map((channel) => delivery(channel, null)), ...(channels.later ?? []).map((later) => delivery(later.channel, later.at))];
  }

  /** A post in the alert's own Slack channel for this round; null when the alert has no channel or none is registered. */
  alertChannelPage(alert: Pick<Alert, 'id' | 'tenantId' | 'slackChannelId'>, round: number): NewDelivery | null {
    const channel = this.options.registry.alertChannel();
    if (!alert.slackChannelId || !channel) return null;
    return { alertId: alert.id, tenantId: alert.tenantId, channel, slackUserId: null, address: alert.slackChannelId, round };
  }

  /** Stores deliveries and queues them (a held one for its time), in the caller's transaction. */
  async plan(t: Queryable, severity: Severity, planned: readonly NewDelivery[]): Promise<Delivery[]> {
    const deliveries = await insertDeliveries(t, planned, this.options.clock.now());
    await this.options.queue.enqueue(t, deliveries.map((delivery) => ({ deliveryId: delivery.id, severity, runAt: delivery.heldUntil })));
    for (const delivery of deliveries.filter((d) => d.heldUntil)) {
      await appendAlertEvent(t, this.heldEvent(delivery, planned));
      this.recorder.outcome(delivery.channel, 'held');
    }
    return deliveries;
  }

  /** The first page's deliveries, their jobs and held events, added to the raise of their (not yet stored) alert. */
  planRaise(batch: RaiseBatch, severity: Severity, planned: readonly NewDelivery[]): void {
    const deliveries = identifyDeliveries(planned);
    if (deliveries.length === 0) return;
    batch.writes.push(insertDeliveriesQuery(deliveries, this.options.clock.now()));
    batch.jobs.push(...this.options.queue.jobs(deliveries.map((delivery) => ({ deliveryId: delivery.id, severity, runAt: delivery.heldUntil ?? null }))));
    for (const delivery of deliveries.filter((d) => d.heldUntil)) {
      batch.events.push(this.heldEvent({ ...delivery, attempts: 0 }, planned));
      batch.onStored.push(() => this.recorder.outcome(delivery.channel, 'held'));
    }
  }

  /** Cancels every page of these alerts that has not gone out (acknowledged or resolved), in the caller's transaction. */
  async cancelPending(t: Queryable, alerts: readonly Alert[]): Promise<number> {
    const detailOf = (alert: Alert) => `alert already ${alert.status}`;
    const byId = new Map(alerts.map((alert) => [alert.id, alert]));
    const cancelled = await cancelPendingDeliveries(t, alerts.map((alert) => ({ alertId: alert.id, reason: detailOf(alert) })), this.options.clock.now());
    await appendAlertEvents(
      t,
      cancelled.map((delivery) => {
        const alert = byId.get(delivery.alertId)!;
        return eventOf(delivery, alert, 'notification.cancelled', { detail: detailOf(alert) });
      }),
    );
    for (const delivery of cancelled) this.recorder.outcome(delivery.channel, 'cancelled');
    return cancelled.length;
  }

  private heldEvent(delivery: EventDelivery & { heldUntil?: Date | null }, planned: readonly NewDelivery[]) {
    const heldUntil = delivery.heldUntil!;
    const zone = planned.find((p) => p.channel === delivery.channel && p.address === delivery.address)?.holdZone ?? 'UTC';
    const detail = `until ${describeQuietEnd(heldUntil, zone)} (quiet hours)`;
    return eventOf(delivery, { id: delivery.alertId, tenantId: delivery.tenantId }, 'notification.held', { detail, until: heldUntil.toISOString(), reason: 'quiet_hours' });
  }
}
