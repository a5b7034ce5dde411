import { RECORD_RETRY_DELAYS_MS } from '@klaxon/config';
import { runWithContext, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import type { Database } from '../db/database';
import { isDatabaseConnectionError } from '../common/errors';
import type { MessageAlert, OutboundMessage } from '../channels/channel';
import type { ChannelRegistry } from '../channels/channel-registry';
import { failureOf, messageOf, type NotifyFailure } from '../channels/notify-error';
import { realSleep, type Clock, type Sleep } from '../time/clock';
import { nextRetryAt } from '../time/backoff';
import type { DeliveryQueue } from './delivery-queue';
import { noDeliveryRecorder, type DeliveryRecorder } from './delivery-recorder';
import { eventOf, printable } from './delivery-event';
import type { DeliveryFallback } from './delivery-fallback';
import type { DeliveryHolds } from './delivery-holds';
import { claimDeliveryWithAlert, finishDelivery, finishDeliveryWithEvent, noteProviderMessageId, type AttemptOutcome, type Delivery } from './delivery.repository';

export interface DeliverySenderOptions {
  db: Database;
  registry: ChannelRegistry;
  queue: DeliveryQueue;
  holds: DeliveryHolds;
  fallback: DeliveryFallback;
  logger: Logger;
  clock: Clock;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  /** `<PUBLIC_BASE_URL>/twilio`: where channels with status callbacks tell the provider to report; unset → none. */
  callbackBase?: string;
  random?: () => number;
  /** Where outcomes are counted for operators (metrics); none by default. */
  recorder?: DeliveryRecorder;
  /**
   * Runs between the claim and the send. Only tests set it (through KLAXON_FAILPOINT_AFTER_CLAIM_MS),
   * to kill a backend at exactly that point and prove the delivery is still sent once.
   */
  afterClaim?: () => Promise<void>;
  /** The pause between record retries (RECORD_RETRY_DELAYS_MS); tests move their clock instead. */
  sleep?: Sleep;
}

/**
 * Sends one delivery: claim (queued → sending, under a lease), hold (a recipient over their limit), send
 * through the channel registry, record; then retry a transient failure with backoff, fall back after a
 * permanent one, or cancel when the alert was handled meanwhile. It knows nothing of the job runner: the
 * `deliver` task calls it, and the sweeper asks it for the pages it could not record.
 *
 * Once the provider has accepted a page, nothing may lead to sending it again: a record that fails is
 * retried, then left to the sweeper (`recordSent`), and never taken for a failed send. The one window left
 * where a person can get the same page twice: the provider accepted the request but this process died
 * before any write of it landed. The lease then runs out and the delivery is sent again. Twilio's Messages
 * and Calls APIs take no idempotency key, so the window lasts from Twilio's answer to one UPDATE.
 */
export class DeliverySender {
  /** Pages the provider accepted whose record could not be written at all; the sweeper writes them. */
  private readonly unrecorded = new Map<string, { delivery: Delivery; alert: Alert; providerMessageId: string }>();

  private readonly recorder: DeliveryRecorder;
  private readonly sleep: Sleep;

  constructor(private readonly options: DeliverySenderOptions) {
    this.recorder = options.recorder ?? noDeliveryRecorder;
    this.sleep = options.sleep ?? realSleep;
  }

  async deliver(deliveryId: string): Promise<void> {
    const { db, logger, leaseMs, clock } = this.options;
    const claimed = await claimDeliveryWithAlert(db, deliveryId, leaseMs, clock.now());
    if (!claimed) {
      logger.debug('delivery not claimable (done, still held, or being sent by another backend)', { deliveryId });
      return;
    }
    await this.options.afterClaim?.();
    const { delivery, alert } = claimed;
    // Every line about this page names its alert and tenant, whoever queued the delivery.
    await runWithContext({ alertId: alert.id, tenantId: alert.tenantId }, () => this.send(delivery, alert));
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
    for (const [id, { delivery, alert, providerMessageId }] of this.unrecorded) {
      try {
        const firstPageSeconds = await this.record(delivery, alert, { status: 'sent', providerMessageId });
        this.unrecorded.delete(id);
        recorded++;
        this.countSent(delivery, firstPageSeconds);
        this.options.logger.warn('a sent page was recorded late', { deliveryId: id, alertId: alert.id, providerMessageId });
      } catch (error) {
        this.options.logger.error('PAGE SENT BUT NOT RECORDED: still cannot record it', { deliveryId: id, alertId: alert.id, providerMessageId, error: messageOf(error) });
      }
    }
    return recorded;
  }

  private async send(delivery: Delivery, alert: Alert): Promise<void> {
    const { clock } = this.options;
    if (alert.status !== 'triggered') {
      // Acknowledged meanwhile: a retry, a held page or an escalation must not wake anyone for it.
      await this.record(delivery, alert, { status: 'cancelled', errorCode: null, errorDetail: `alert already ${alert.status}` });
      this.recorder.outcome(delivery.channel, 'cancelled');
      return;
    }
    if (await this.options.holds.holdIfOverLimit(delivery, alert)) return;
    const sender = this.options.registry.sender(delivery.channel);
    let providerMessageId: string;
    try {
      const callbackBase = sender.capabilities.statusCallbacks ? (this.options.callbackBase ?? null) : null;
      ({ providerMessageId } = await sender.send({ ...outboundOf(delivery, alert, clock.now()), deliveryId: delivery.id, callbackBase }));
    } catch (error) {
      await this.failed(delivery, alert, failureOf(error));
      return;
    }
    // Outside the try: from here on an error is a failed record, never a failed send (that would page again).
    await this.recordSent(delivery, alert, providerMessageId);
  }

  /**
   * The page is out: losing its record now would send it again once the lease runs out. A database that is
   * briefly away (failover, restart) is waited for, within the lease (NOTIFY_LEASE's minimum counts these
   * retries). If the record still fails, the delivery stays `sending` and is never sent again: the
   * provider's id is written alone when that small UPDATE gets through (the sweeper then records the page
   * as sent when the lease runs out), otherwise it is kept here for this process's next sweep. Either way
   * the id is logged at error level so an operator can reconcile.
   */
  private async recordSent(delivery: Delivery, alert: Alert, providerMessageId: string): Promise<void> {
    const { logger, registry } = this.options;
    const fields = { deliveryId: delivery.id, alertId: alert.id, channel: delivery.channel, provider: registry.sender(delivery.channel).provider, to: printable(delivery), providerMessageId };
    for (let attempt = 1; ; attempt++) {
      try {
        const firstPageSeconds = await this.record(delivery, alert, { status: 'sent', providerMessageId });
        logger.info('notification sent', { ...fields, attempt: delivery.attempts });
        this.countSent(delivery, firstPageSeconds);
        return;
      } catch (error) {
        const pause = RECORD_RETRY_DELAYS_MS[attempt - 1];
        if (isDatabaseConnectionError(error) && pause !== undefined) {
          logger.warn('could not record a sent page yet; retrying', { ...fields, attempt, error: messageOf(error) });
          await this.sleep(pause);
          continue;
        }
        const idStored = await noteProviderMessageId(this.options.db, delivery.id, providerMessageId, this.options.clock.now()).then(() => true, () => false);
        if (!idStored) this.unrecorded.set(delivery.id, { delivery, alert, providerMessageId });
        logger.error('PAGE SENT BUT NOT RECORDED: it stays `sending` and will not be sent again; the sweeper records it', { ...fields, idStored, error: messageOf(error) });
        return;
      }
    }
  }

  private async failed(delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<void> {
    const { db, logger, maxAttempts, retryBaseMs, random, clock } = this.options;
    const fields = { alertId: alert.id, channel: delivery.channel, to: printable(delivery), attempt: delivery.attempts, code: failure.code, detail: failure.detail };
    if (failure.alarm) {
      logger.error('NOTIFICATION SETUP BROKEN: every page of this kind will fail until an operator fixes it', fields);
      this.recorder.providerAlarm(this.options.registry.sender(delivery.channel).provider, failure.code ?? 'unknown');
    }
    const nextAttemptAt = nextRetryAt(failure, delivery.attempts, { maxAttempts, baseMs: retryBaseMs, random }, clock.now());
    if (nextAttemptAt) {
      await db.tx('retry-delivery', async (t) => {
        const retrying = eventOf(delivery, alert, 'notification.retrying', { code: failure.code, detail: failure.detail, next_attempt_at: nextAttemptAt.toISOString() });
        await finishDeliveryWithEvent(t, delivery.id, { status: 'queued', errorCode: failure.code, errorDetail: failure.detail, nextAttemptAt }, retrying, { firstPage: false, now: clock.now() });
        await this.options.queue.enqueue(t, [{ deliveryId: delivery.id, severity: alert.severity, runAt: nextAttemptAt }]);
      });
      logger.warn('notification failed, will retry', { ...fields, nextAttemptAt: nextAttemptAt.toISOString() });
      return;
    }
    const fallback = await db.tx('fail-delivery', async (t) => {
      await finishDelivery(t, delivery.id, { status: 'failed', errorCode: failure.code, errorDetail: failure.detail }, clock.now());
      return this.options.fallback.failAndFallBack(t, delivery, alert, failure);
    });
    this.recorder.outcome(delivery.channel, 'failed');
    if (fallback) this.recorder.outcome(delivery.channel, 'fallen_back');
    logger.warn('notification failed', fields);
    await this.options.fallback.tellFailed(delivery, alert, failure, fallback);
  }

  /** Counts an accepted page, and the time to the alert's first page to a person when this was it. */
  private countSent(delivery: Delivery, firstPageSeconds: number | null): void {
    this.recorder.outcome(delivery.channel, 'sent');
    if (firstPageSeconds !== null) this.recorder.firstPageAccepted(firstPageSeconds);
  }

  /** Records the attempt and its audit event; for a sent page, the seconds to the alert's first page when this was it. */
  private async record(delivery: Delivery, alert: Alert, outcome: SentOrCancelled): Promise<number | null> {
    const event =
      outcome.status === 'sent'
        ? eventOf(delivery, alert, 'notification.sent', { provider_id: outcome.providerMessageId })
        : eventOf(delivery, alert, 'notification.cancelled', { detail: outcome.errorDetail });
    // The alert's own Slack channel is not a person: only a page to someone can be the alert's first page.
    const firstPage = outcome.status === 'sent' && !this.options.registry.isAlertChannel(delivery.channel);
    const { firstPageSeconds } = await finishDeliveryWithEvent(this.options.db, delivery.id, outcome, event, { firstPage, now: this.options.clock.now() });
    return firstPageSeconds;
  }
}

/** The alert as messages need it. */
export function messageAlertOf(alert: Alert): MessageAlert {
  return {
    id: alert.id,
    tenantId: alert.tenantId,
    number: alert.number,
    replyCode: alert.replyCode,
    severity: alert.severity,
    message: alert.message,
    origin: alert.origin,
    // A Slack channel, or people named by their Slack user id: the tenant is a Slack workspace.
    inSlack: alert.origin === 'slack' || alert.slackChannelId !== null || alert.targets.some((target) => target.slackUserId !== null),
    createdAt: alert.createdAt,
    raisedBy: alert.slackUserId ? `<@${alert.slackUserId}>` : alert.source,
    paged: alert.targets.flatMap((target) => (target.slackUserId && target.status === 'paging' ? [target.slackUserId] : [])),
  };
}

function outboundOf(delivery: Delivery, alert: Alert, now: Date): OutboundMessage {
  return { to: delivery.address, alert: messageAlertOf(alert), now };
}

/** The outcomes `record` writes: the kind of their event follows from the status. */
type SentOrCancelled = Extract<AttemptOutcome, { status: 'sent' }> | { status: 'cancelled'; errorCode: null; errorDetail: string };
