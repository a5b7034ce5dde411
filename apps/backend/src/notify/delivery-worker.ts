import { CHANNEL_LABELS } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import { findAlertById } from '../alerts/alert.repository';
import type { Database } from '../db/database';
import { isDatabaseConnectionError } from '../errors';
import { retryDelayMs } from './backoff';
import { claimDelivery, finishDelivery, type Delivery } from './delivery.repository';
import { addJob, deliveryJobKey } from './job-queue';
import { NotifyError, messageOf, type NotifyFailure } from './notify-error';
import { channelReminderText } from './page-text';
import { queueDeliveries } from './paging-scheduler';
import type { ChannelPoster, PhoneNotifier } from './providers/notifier';

// 0.5 + 1 + … + 2.5 s ≈ 7.5 s of waiting: far inside any sensible lease.
const RECORD_ATTEMPTS = 6;

export interface DeliveryWorkerOptions {
  db: Database;
  notifier: PhoneNotifier;
  poster: ChannelPoster;
  logger: Logger;
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
 * Sends one delivery, at most once per claim: claim (queued → sending, under a lease), send, record.
 * Transient failures go back to the queue with a delayed job; permanent ones stop there, and a WhatsApp
 * that cannot be delivered becomes an SMS. Every attempt lands in the alert's events.
 *
 * The one window where a person can get the same page twice: the provider accepted the request but this
 * process died before recording `sent`. The lease then runs out and the delivery is sent again. Twilio's
 * Messages and Calls APIs take no idempotency key, so the window is closed as far as it can be: it lasts
 * from Twilio's answer to one UPDATE.
 */
export class DeliveryWorker {
  constructor(private readonly options: DeliveryWorkerOptions) {}

  async deliver(deliveryId: string): Promise<void> {
    const { db, logger, leaseMs } = this.options;
    const delivery = await claimDelivery(db, deliveryId, leaseMs);
    if (!delivery) {
      logger.debug('delivery not claimable (done, or held by another backend)', { deliveryId });
      return;
    }
    await this.options.afterClaim?.();
    const alert = await findAlertById(db, delivery.alertId);
    if (!alert) throw new Error(`delivery ${deliveryId} refers to a missing alert`);
    if (alert.status !== 'triggered') {
      // Acknowledged meanwhile: a retry or an escalation must not wake anyone for it.
      await this.record(delivery, alert, { status: 'cancelled', errorCode: null, errorDetail: `alert already ${alert.status}` }, 'notification.cancelled');
      return;
    }
    try {
      const providerId = await this.send(delivery, alert);
      await this.recordSent(delivery, alert, providerId);
      logger.info('notification sent', { alertId: alert.id, channel: delivery.channel, to: printable(delivery), attempt: delivery.attempts });
    } catch (error) {
      await this.failed(delivery, alert, failureOf(error));
    }
  }

  /**
   * The page is out: losing its record now would send it again once the lease runs out. So a database
   * that is briefly away (failover, restart) is waited for, well within the lease.
   */
  private async recordSent(delivery: Delivery, alert: Alert, providerId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(delivery, alert, { status: 'sent', providerMessageId: providerId }, 'notification.sent');
        return;
      } catch (error) {
        if (!isDatabaseConnectionError(error) || attempt >= RECORD_ATTEMPTS) throw error;
        this.options.logger.warn('could not record a sent page yet; retrying', { deliveryId: delivery.id, attempt, error: messageOf(error) });
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async send(delivery: Delivery, alert: Alert): Promise<string> {
    if (delivery.channel === 'slack') return (await this.options.poster.post(delivery.address, channelReminderText(alert, new Date()))).ts;
    // Unreachable (the deliveries table refuses `email`); the engine rebuild replaces this with an email notifier.
    if (delivery.channel === 'email') throw new NotifyError({ kind: 'permanent', code: null, status: null, detail: 'email is not a delivery channel yet', alarm: false });
    const page = { channel: delivery.channel, to: delivery.address, alert: { id: alert.id, number: alert.number, severity: alert.severity, message: alert.message } };
    return (await this.options.notifier.send(page)).providerId;
  }

  private async failed(delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<void> {
    const { db, logger, maxAttempts, retryBaseMs, random } = this.options;
    const fields = { alertId: alert.id, channel: delivery.channel, to: printable(delivery), attempt: delivery.attempts, code: failure.code, detail: failure.detail };
    if (failure.alarm) logger.error('NOTIFICATION SETUP BROKEN: every page of this kind will fail until an operator fixes it', fields);
    if (failure.kind === 'transient' && delivery.attempts < maxAttempts) {
      const nextAttemptAt = new Date(Date.now() + retryDelayMs(delivery.attempts, retryBaseMs, random));
      await db.tx('retry-delivery', async (t) => {
        await finishDelivery(t, delivery.id, { status: 'queued', errorCode: failure.code, errorDetail: failure.detail, nextAttemptAt });
        await appendAlertEvent(t, eventOf(delivery, alert, 'notification.retrying', { code: failure.code, detail: failure.detail, next_attempt_at: nextAttemptAt.toISOString() }));
        await addJob(t, 'deliver', { deliveryId: delivery.id }, { runAt: nextAttemptAt, jobKey: deliveryJobKey(delivery.id) });
      });
      logger.warn('notification failed, will retry', { ...fields, nextAttemptAt: nextAttemptAt.toISOString() });
      return;
    }
    await db.tx('fail-delivery', async (t) => {
      await finishDelivery(t, delivery.id, { status: 'failed', errorCode: failure.code, errorDetail: failure.detail });
      await appendAlertEvent(t, eventOf(delivery, alert, 'notification.failed', { code: failure.code, detail: failure.detail, permanent: failure.kind === 'permanent' }));
      if (delivery.channel === 'whatsapp' && failure.kind === 'permanent') {
        // Not opted in, outside the 24-hour window, not a WhatsApp number: a plain SMS still gets through.
        const queued = await queueDeliveries(t, [{ ...delivery, channel: 'sms', fallbackOf: delivery.id }]);
        if (queued > 0) await appendAlertEvent(t, eventOf({ ...delivery, channel: 'sms' }, alert, 'notification.fallback', { from: 'whatsapp', reason: failure.code }));
      }
    });
    logger.warn('notification failed', fields);
    await this.tellThread(delivery, alert, failure);
  }

  /** A page that will not arrive is said in the alert's thread, so the channel knows someone was not woken. */
  private async tellThread(delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<void> {
    if (delivery.channel === 'slack' || !alert.slackChannelId || !alert.slackMessageTs) return;
    const who = delivery.slackUserId ? `<@${delivery.slackUserId}>` : printable(delivery);
    const next = delivery.channel === 'whatsapp' && failure.kind === 'permanent' ? ' Trying SMS instead.' : '';
    const text = `⚠️ ${CHANNEL_LABELS[delivery.channel]} to ${who} failed: ${failure.detail}.${next}`;
    await this.options.poster.post(alert.slackChannelId, text, alert.slackMessageTs).catch((error: unknown) => {
      this.options.logger.warn('could not tell the alert thread about a failed page', { alertId: alert.id, error: messageOf(error) });
    });
  }

  private async record(
    delivery: Delivery,
    alert: Alert,
    outcome: Parameters<typeof finishDelivery>[2],
    kind: string,
  ): Promise<void> {
    await this.options.db.tx('record-delivery', async (t) => {
      await finishDelivery(t, delivery.id, outcome);
      const detail = outcome.status === 'sent' ? { provider_id: outcome.providerMessageId } : { detail: 'errorDetail' in outcome ? outcome.errorDetail : null };
      await appendAlertEvent(t, eventOf(delivery, alert, kind, detail));
    });
  }
}

function failureOf(error: unknown): NotifyFailure {
  if (error instanceof NotifyError) return error;
  // A bug or an unforeseen error: retried like a transient one, because a lost page costs more than an extra try.
  return { kind: 'transient', code: null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
}

const printable = (delivery: Pick<Delivery, 'channel' | 'address'>): string => (delivery.channel === 'slack' ? delivery.address : maskPhone(delivery.address));

function eventOf(delivery: Delivery, alert: Alert, kind: string, data: Record<string, unknown>) {
  return {
    alertId: alert.id,
    tenantId: alert.tenantId,
    kind,
    actor: 'system',
    data: { delivery_id: delivery.id, channel: delivery.channel, to: printable(delivery), slack_user_id: delivery.slackUserId, round: delivery.round, attempt: delivery.attempts, ...data },
  };
}
