import { RECORD_RETRY_DELAYS_MS } from '@klaxon/config';
import { CHANNEL_LABELS, escapeSlackText } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent } from '../alerts/alert-event.repository';
import { findAlertById } from '../alerts/alert.repository';
import type { Database } from '../db/database';
import { isDatabaseConnectionError } from '../errors';
import { retryDelayMs } from './backoff';
import { claimDelivery, finishDelivery, holdDelivery, noteProviderMessageId, recentPagesTo, type Delivery } from './delivery.repository';
import { addJob, deliveryJobKey } from './job-queue';
import { NotifyError, messageOf, type NotifyFailure } from './notify-error';
import { channelReminderText } from './page-text';
import { queueDeliveries } from './paging-scheduler';
import type { ChannelPoster, PhoneNotifier } from './providers/notifier';

export interface RecipientLimit {
  perRecipient: number;
  windowMs: number;
}

/** `error_code` of a held delivery: the thread is told when a delivery is first held, not on every hold. */
const HELD_CODE = 'recipient_limit';

export interface DeliveryWorkerOptions {
  db: Database;
  notifier: PhoneNotifier;
  poster: ChannelPoster;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  random?: () => number;
  /** Pages one address may receive per window (PAGE_LIMIT_PER_RECIPIENT / _WINDOW); none: no limit. */
  recipientLimit?: RecipientLimit;
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
 * Once the provider has accepted a page, nothing may lead to sending it again: a record that fails is
 * retried, then left to the sweeper (`recordSent`), and never taken for a failed send. The one window left
 * where a person can get the same page twice: the provider accepted the request but this process died
 * before any write of it landed. The lease then runs out and the delivery is sent again. Twilio's Messages
 * and Calls APIs take no idempotency key, so the window lasts from Twilio's answer to one UPDATE.
 */
export class DeliveryWorker {
  /** Pages the provider accepted whose record could not be written at all; the sweeper writes them. */
  private readonly unrecorded = new Map<string, { delivery: Delivery; alert: Alert; providerId: string }>();

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
    if (await this.holdIfOverLimit(delivery, alert)) return;
    let providerId: string;
    try {
      providerId = await this.send(delivery, alert);
    } catch (error) {
      await this.failed(delivery, alert, failureOf(error));
      return;
    }
    // Outside the try: from here on an error is a failed record, never a failed send (that would page again).
    await this.recordSent(delivery, alert, providerId);
  }

  /**
   * The page is out: losing its record now would send it again once the lease runs out. A database that is
   * briefly away (failover, restart) is waited for, within the lease (NOTIFY_LEASE's minimum counts these
   * retries). If the record still fails, the delivery stays `sending` and is never sent again: the
   * provider's id is written alone when that small UPDATE gets through (the sweeper then records the page
   * as sent when the lease runs out), otherwise it is kept here for this process's next sweep. Either way
   * the id is logged at error level so an operator can reconcile.
   */
  private async recordSent(delivery: Delivery, alert: Alert, providerId: string): Promise<void> {
    const { logger } = this.options;
    const fields = { deliveryId: delivery.id, alertId: alert.id, channel: delivery.channel, to: printable(delivery), providerMessageId: providerId };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(delivery, alert, { status: 'sent', providerMessageId: providerId }, 'notification.sent');
        logger.info('notification sent', { ...fields, attempt: delivery.attempts });
        return;
      } catch (error) {
        const pause = RECORD_RETRY_DELAYS_MS[attempt - 1];
        if (isDatabaseConnectionError(error) && pause !== undefined) {
          logger.warn('could not record a sent page yet; retrying', { ...fields, attempt, error: messageOf(error) });
          await new Promise((resolve) => setTimeout(resolve, pause));
          continue;
        }
        const idStored = await noteProviderMessageId(this.options.db, delivery.id, providerId).then(() => true, () => false);
        if (!idStored) this.unrecorded.set(delivery.id, { delivery, alert, providerId });
        logger.error('PAGE SENT BUT NOT RECORDED: it stays `sending` and will not be sent again; the sweeper records it', { ...fields, idStored, error: messageOf(error) });
        return;
      }
    }
  }

  /**
   * One phone number receives at most `perRecipient` pages per window, whichever tenants and backends send
   * them, so a loop cannot flood one person. Beyond it the page is held (not sent, not failed) and its job
   * delayed until the window has room: then it is sent, or cancelled if the alert was handled meanwhile.
   * Counted after this delivery's claim, and claims count as pages: of two backends claiming pages to one
   * number at once, each sees the other's, so the limit is never exceeded (at worst both wait).
   */
  private async holdIfOverLimit(delivery: Delivery, alert: Alert): Promise<boolean> {
    const { db, logger, recipientLimit: limit } = this.options;
    if (!limit || delivery.channel === 'slack') return false;
    const recent = await recentPagesTo(db, delivery.address, { windowMs: limit.windowMs, limit: limit.perRecipient, exceptId: delivery.id });
    if (recent.count < limit.perRecipient || !recent.roomAt) return false;
    const until = recent.roomAt;
    const detail = `${printable(delivery)} has received ${recent.count} pages in the last ${windowText(limit.windowMs)} (PAGE_LIMIT_PER_RECIPIENT)`;
    await db.tx('hold-delivery', async (t) => {
      await holdDelivery(t, delivery.id, { until, errorCode: HELD_CODE, errorDetail: detail });
      await appendAlertEvent(t, eventOf(delivery, alert, 'notification.held', { detail, count: recent.count, limit: limit.perRecipient, window_ms: limit.windowMs, next_attempt_at: until.toISOString() }));
      await addJob(t, 'deliver', { deliveryId: delivery.id }, { runAt: until, jobKey: deliveryJobKey(delivery.id) });
    });
    logger.warn('page held: the recipient reached their limit', { alertId: alert.id, deliveryId: delivery.id, channel: delivery.channel, to: printable(delivery), count: recent.count, until: until.toISOString() });
    if (delivery.errorCode !== HELD_CODE) {
      const who = delivery.slackUserId ? `<@${delivery.slackUserId}>` : printable(delivery);
      const text = `⏸ page to ${who} held (${CHANNEL_LABELS[delivery.channel]}): ${detail}; it goes out when there is room, unless the alert is acknowledged first.`;
      // In the thread when the channel message is out already, else in the channel: a held page is news now.
      if (alert.slackChannelId) {
        await this.options.poster.post(alert.slackChannelId, text, alert.slackMessageTs ?? undefined).catch((error: unknown) => {
          logger.warn('could not tell the alert channel about a held page', { alertId: alert.id, error: messageOf(error) });
        });
      }
    }
    return true;
  }

  /** Deliveries this process sent but has not recorded yet: the sweeper must not queue them again. */
  unrecordedIds(): string[] {
    return [...this.unrecorded.keys()];
  }

  /**
   * Records the sent pages whose record and id both failed to land (the database was away for longer than
   * the retries). The sweeper calls it before it re-queues expired leases, so this process never resends
   * its own. Returns how many were recorded; the rest wait for the next sweep.
   */
  async recordUnrecorded(): Promise<number> {
    let recorded = 0;
    for (const [id, { delivery, alert, providerId }] of this.unrecorded) {
      try {
        await this.record(delivery, alert, { status: 'sent', providerMessageId: providerId }, 'notification.sent');
        this.unrecorded.delete(id);
        recorded++;
        this.options.logger.warn('a sent page was recorded late', { deliveryId: id, alertId: alert.id, providerMessageId: providerId });
      } catch (error) {
        this.options.logger.error('PAGE SENT BUT NOT RECORDED: still cannot record it', { deliveryId: id, alertId: alert.id, providerMessageId: providerId, error: messageOf(error) });
      }
    }
    return recorded;
  }

  private async send(delivery: Delivery, alert: Alert): Promise<string> {
    if (delivery.channel === 'slack') return (await this.options.poster.post(delivery.address, channelReminderText(alert, new Date()))).ts;
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
    // The detail quotes the provider's error text, which can quote what was sent: escaped, it cannot ping or link.
    const text = `⚠️ ${CHANNEL_LABELS[delivery.channel]} to ${who} failed: ${escapeSlackText(failure.detail)}.${next}`;
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

/** `3 min`, or `2 s` for a window under a minute (tests use such). */
const windowText = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

function failureOf(error: unknown): NotifyFailure {
  if (error instanceof NotifyError) return error;
  // A bug or an unforeseen error: retried like a transient one, because a lost page costs more than an extra try.
  return { kind: 'transient', code: null, status: null, detail: `unexpected error: ${messageOf(error)}`, alarm: false };
}

const printable = (delivery: Pick<Delivery, 'channel' | 'address'>): string => (delivery.channel === 'slack' ? delivery.address : maskPhone(delivery.address));

export function eventOf(delivery: Delivery, alert: Pick<Alert, 'id' | 'tenantId'>, kind: string, data: Record<string, unknown>) {
  return {
    alertId: alert.id,
    tenantId: alert.tenantId,
    kind,
    actor: 'system',
    data: { delivery_id: delivery.id, channel: delivery.channel, to: printable(delivery), slack_user_id: delivery.slackUserId, round: delivery.round, attempt: delivery.attempts, ...data },
  };
}
