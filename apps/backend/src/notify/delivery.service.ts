import { CHANNEL_LABELS } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import { findAlertById } from '../alerts/alert.repository';
import type { Clock } from '../clock';
import type { Database, Queryable } from '../db/database';
import { isDatabaseConnectionError } from '../errors';
import type { AlertNotices } from './alert-notices';
import { retryDelayMs } from './backoff';
import type { MessageAlert, OutboundMessage } from './channels/channel';
import type { ChannelRegistry } from './channels/channel-registry';
import type { DeliveryQueue } from './delivery-queue';
import {
  cancelPendingDeliveries,
  claimDelivery,
  dueHeldDeliveries,
  finishDelivery,
  insertDeliveries,
  type Delivery,
  type NewDelivery,
} from './delivery.repository';
import { NotifyError, messageOf, type NotifyFailure } from './notify-error';

// 0.5 + 1 + … + 2.5 s ≈ 7.5 s of waiting: far inside any sensible lease.
const RECORD_ATTEMPTS = 6;

export interface DeliveryServiceOptions {
  db: Database;
  registry: ChannelRegistry;
  queue: DeliveryQueue;
  notices: AlertNotices;
  logger: Logger;
  clock: Clock;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  random?: () => number;
  /**
   * Runs between the claim and the send. Only tests set it (through KLAXON_FAILPOINT_AFTER_CLAIM_MS),
   * to kill a backend at exactly that point and prove the delivery is still sent once.
   */
  afterClaim?: () => Promise<void>;
}

/**
 * Owns a delivery's life: plan (rows + their jobs, in the caller's transaction), claim (queued → sending,
 * under a lease), send through the channel registry, record; then retry a transient failure with backoff,
 * fall back (registry data) after a permanent one, or cancel when the alert was acknowledged meanwhile.
 * It knows nothing of the job runner: job tasks, status callbacks and replies all call it.
 *
 * The one window where a person can get the same page twice: the provider accepted the request but this
 * process died before recording `sent`. The lease then runs out and the delivery is sent again. Twilio's
 * Messages and Calls APIs take no idempotency key, so the window is closed as far as it can be: it lasts
 * from the provider's answer to one UPDATE.
 */
export class DeliveryService {
  constructor(private readonly options: DeliveryServiceOptions) {}

  /** Stores deliveries and queues each (a held one for its time), in the caller's transaction. */
  async plan(t: Queryable, planned: readonly NewDelivery[]): Promise<Delivery[]> {
    const deliveries = await insertDeliveries(t, planned);
    for (const delivery of deliveries) {
      await this.options.queue.enqueue(t, delivery.id, delivery.heldUntil ?? undefined);
      if (delivery.heldUntil) {
        await appendAlertEvent(t, eventOf(delivery, delivery.alertId, delivery.tenantId, 'notification.held', { until: delivery.heldUntil.toISOString(), reason: delivery.holdReason }));
      }
    }
    return deliveries;
  }

  /** Cancels every page of the alert that has not gone out (acknowledged or resolved), in the caller's transaction. */
  async cancelPending(t: Queryable, alert: Alert): Promise<number> {
    return cancelPendingDeliveries(t, alert.id, `alert ${alert.status}`);
  }

  /** Queues held deliveries whose time has come by the clock (a safety net for jobs that ran early or vanished). */
  async releaseDue(): Promise<number> {
    const { db, clock } = this.options;
    const due = await dueHeldDeliveries(db, clock.now());
    if (due.length === 0) return 0;
    await db.tx('release-held-deliveries', async (t) => {
      for (const id of due) await this.options.queue.enqueue(t, id);
    });
    return due.length;
  }

  async deliver(deliveryId: string): Promise<void> {
    const { db, logger, leaseMs, clock } = this.options;
    const delivery = await claimDelivery(db, deliveryId, leaseMs, clock.now());
    if (!delivery) {
      logger.debug('delivery not claimable (done, held, or held by another backend)', { deliveryId });
      return;
    }
    await this.options.afterClaim?.();
    const alert = await findAlertById(db, delivery.alertId);
    if (!alert) throw new Error(`delivery ${deliveryId} refers to a missing alert`);
    if (alert.status !== 'triggered') {
      // Acknowledged meanwhile: a retry, a held page or an escalation must not wake anyone for it.
      await this.record(delivery, alert, { status: 'cancelled', errorCode: null, errorDetail: `alert already ${alert.status}` }, 'notification.cancelled');
      return;
    }
    const sender = this.options.registry.sender(delivery.channel);
    let providerMessageId: string;
    try {
      ({ providerMessageId } = await sender.send(outboundOf(delivery, alert, clock.now())));
    } catch (error) {
      await this.failed(delivery, alert, failureOf(error));
      return;
    }
    await this.recordSent(delivery, alert, providerMessageId);
    logger.info('notification sent', { alertId: alert.id, channel: delivery.channel, provider: sender.provider, to: printable(delivery), attempt: delivery.attempts });
  }

  /**
   * The page is out: losing its record now would send it again once the lease runs out. So a database
   * that is briefly away (failover, restart) is waited for, well within the lease.
   */
  private async recordSent(delivery: Delivery, alert: Alert, providerMessageId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(delivery, alert, { status: 'sent', providerMessageId }, 'notification.sent');
        return;
      } catch (error) {
        if (!isDatabaseConnectionError(error) || attempt >= RECORD_ATTEMPTS) throw error;
        this.options.logger.warn('could not record a sent page yet; retrying', { deliveryId: delivery.id, attempt, error: messageOf(error) });
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async failed(delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<void> {
    const { db, logger, maxAttempts, retryBaseMs, random, registry, clock } = this.options;
    const fields = { alertId: alert.id, channel: delivery.channel, to: printable(delivery), attempt: delivery.attempts, code: failure.code, detail: failure.detail };
    if (failure.alarm) logger.error('NOTIFICATION SETUP BROKEN: every page of this kind will fail until an operator fixes it', fields);
    if (failure.kind === 'transient' && delivery.attempts < maxAttempts) {
      const nextAttemptAt = new Date(clock.now().getTime() + retryDelayMs(delivery.attempts, retryBaseMs, random));
      await db.tx('retry-delivery', async (t) => {
        await finishDelivery(t, delivery.id, { status: 'queued', errorCode: failure.code, errorDetail: failure.detail, nextAttemptAt });
        await appendAlertEvent(t, eventOf(delivery, alert.id, alert.tenantId, 'notification.retrying', { code: failure.code, detail: failure.detail, next_attempt_at: nextAttemptAt.toISOString() }));
        await this.options.queue.enqueue(t, delivery.id, nextAttemptAt);
      });
      logger.warn('notification failed, will retry', { ...fields, nextAttemptAt: nextAttemptAt.toISOString() });
      return;
    }
    const fallback = failure.kind === 'permanent' ? registry.fallbackOf(delivery.channel) : null;
    await db.tx('fail-delivery', async (t) => {
      await finishDelivery(t, delivery.id, { status: 'failed', errorCode: failure.code, errorDetail: failure.detail });
      await appendAlertEvent(t, eventOf(delivery, alert.id, alert.tenantId, 'notification.failed', { code: failure.code, detail: failure.detail, permanent: failure.kind === 'permanent' }));
      if (fallback) {
        // Not opted in, outside the 24-hour window, not a WhatsApp number: a plain SMS still gets through.
        const queued = await this.plan(t, [{ ...delivery, channel: fallback, fallbackOf: delivery.id, heldUntil: null, holdReason: null }]);
        if (queued.length > 0) await appendAlertEvent(t, eventOf({ ...delivery, channel: fallback }, alert.id, alert.tenantId, 'notification.fallback', { from: delivery.channel, reason: failure.code }));
      }
    });
    logger.warn('notification failed', fields);
    // The channel post itself failing is not said in the channel: there is nowhere left to say it.
    if (registry.sender(delivery.channel).address === 'slack_channel') return;
    const who = delivery.slackUserId ? `<@${delivery.slackUserId}>` : printable(delivery);
    const next = fallback ? ` Trying ${CHANNEL_LABELS[fallback]} instead.` : '';
    await this.options.notices.tell(alert, `⚠️ ${CHANNEL_LABELS[delivery.channel]} to ${who} failed: ${failure.detail}.${next}`);
  }

  private async record(delivery: Delivery, alert: Alert, outcome: Parameters<typeof finishDelivery>[2], kind: string): Promise<void> {
    await this.options.db.tx('record-delivery', async (t) => {
      await finishDelivery(t, delivery.id, outcome);
      const detail = outcome.status === 'sent' ? { provider_id: outcome.providerMessageId } : { detail: 'errorDetail' in outcome ? outcome.errorDetail : null };
      await appendAlertEvent(t, eventOf(delivery, alert.id, alert.tenantId, kind, detail));
    });
  }
}

/** The alert as messages need it. */
export function messageAlertOf(alert: Alert): MessageAlert {
  return {
    id: alert.id,
    tenantId: alert.tenantId,
    number: alert.number,
    severity: alert.severity,
    message: alert.message,
    origin: alert.source,
    createdAt: alert.createdAt,
    raisedBy: alert.slackUserId ? `<@${alert.slackUserId}>` : alert.source,
    paged: alert.targets.flatMap((target) => (target.slackUserId && target.status === 'paging' ? [target.slackUserId] : [])),
  };
}

function outboundOf(delivery: Delivery, alert: Alert, now: Date): OutboundMessage {
  return { to: delivery.address, alert: messageAlertOf(alert), now };
}

function failureOf(error: unknown): NotifyFailure {
  if (error instanceof NotifyError) return error;
  // A bug or an unforeseen error: retried like a transient one, because a lost page costs more than an extra try.
  return { kind: 'transient', code: null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
}

// Phone numbers are masked; channel ids and (masked by the logger) addresses are printed as they are.
const printable = (delivery: Pick<Delivery, 'address'>): string => (delivery.address.startsWith('+') ? maskPhone(delivery.address) : delivery.address);

function eventOf(delivery: Delivery, alertId: string, tenantId: string, kind: string, data: Record<string, unknown>) {
  return {
    alertId,
    tenantId,
    kind,
    actor: 'system',
    data: { delivery_id: delivery.id, channel: delivery.channel, to: printable(delivery), slack_user_id: delivery.slackUserId, round: delivery.round, attempt: delivery.attempts, ...data },
  };
}
