import { RECORD_RETRY_DELAYS_MS } from '@klaxon/config';
import { CHANNEL_LABELS, escapeSlackText, type Channel, type DeliveryEventDetails, type DeliveryEventKind, type Severity } from '@klaxon/contracts';
import { maskEmail, maskPhone, runWithContext, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import { appendAlertEvent, appendAlertEvents, type NewAlertEvent } from '../alerts/alert-event.repository';
import { findAlertById } from '../alerts/alert.repository';
import type { RaiseBatch } from '../alerts/raise-batch';
import type { Clock } from '../time/clock';
import { describeQuietEnd } from '../time/quiet-hours';
import type { Database, Queryable } from '../db/database';
import { isDatabaseConnectionError } from '../common/errors';
import type { AlertNotices } from '../channels/alert-notices';
import { retryDelayMs } from '../time/backoff';
import type { MessageAlert, OutboundMessage } from '../channels/channel';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { DeliveryQueue } from './delivery-queue';
import { noDeliveryRecorder, type DeliveryRecorder } from './delivery-recorder';
import { refreshSlackMessage } from './alert-message.jobs';
import {
  cancelPendingDeliveries,
  claimDelivery,
  dueHeldDeliveries,
  findDelivery,
  finishDelivery,
  finishDeliveryWithEvent,
  type AttemptOutcome,
  holdDelivery,
  identifyDeliveries,
  insertDeliveries,
  insertDeliveriesQuery,
  noteProviderMessageId,
  recentPagesTo,
  recordAnsweredBy,
  recordProviderStatus,
  type Delivery,
  type NewDelivery,
} from './delivery.repository';
import { failureOf, messageOf, type NotifyFailure } from '../channels/notify-error';
import type { ProviderReceipt } from '../channels/receipt';

/** What a report changed: the delivery when it moved, and whether the page reached nobody (escalate now). */
export interface ProviderReportOutcome {
  delivery: Delivery | null;
  moved: boolean;
  reachedNobody: boolean;
}

export interface RecipientLimit {
  /** Pages one address may receive per window (PAGE_LIMIT_PER_RECIPIENT / PAGE_LIMIT_WINDOW). */
  perRecipient: number;
  windowMs: number;
}

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
  /** `<PUBLIC_BASE_URL>/twilio`: where channels with status callbacks tell the provider to report; unset → none. */
  callbackBase?: string;
  /** Unset: pages to one address are not limited. */
  recipientLimit?: RecipientLimit;
  random?: () => number;
  /** Where outcomes are counted for operators (metrics); none by default. */
  recorder?: DeliveryRecorder;
  /**
   * Runs between the claim and the send. Only tests set it (through KLAXON_FAILPOINT_AFTER_CLAIM_MS),
   * to kill a backend at exactly that point and prove the delivery is still sent once.
   */
  afterClaim?: () => Promise<void>;
}

/**
 * Owns a delivery's life: plan (rows and their jobs, in the caller's transaction), claim (queued → sending,
 * under a lease), hold (a recipient over their limit), send through the channel registry, record; then
 * retry a transient failure with backoff, fall back (registry data) after a permanent one, or cancel when
 * the alert was handled meanwhile. It knows nothing of the job runner: job tasks, the sweeper, and later
 * status callbacks and replies all call it.
 *
 * Once the provider has accepted a page, nothing may lead to sending it again: a record that fails is
 * retried, then left to the sweeper (`recordSent`), and never taken for a failed send. The one window left
 * where a person can get the same page twice: the provider accepted the request but this process died
 * before any write of it landed. The lease then runs out and the delivery is sent again. Twilio's Messages
 * and Calls APIs take no idempotency key, so the window lasts from Twilio's answer to one UPDATE.
 */
export class DeliveryService {
  /** Pages the provider accepted whose record could not be written at all; the sweeper writes them. */
  private readonly unrecorded = new Map<string, { delivery: Delivery; alert: Alert; providerMessageId: string }>();

  private readonly recorder: DeliveryRecorder;

  constructor(private readonly options: DeliveryServiceOptions) {
    this.recorder = options.recorder ?? noDeliveryRecorder;
  }

  /** Stores deliveries and queues them (a held one for its time), in the caller's transaction. */
  async plan(t: Queryable, severity: Severity, planned: readonly NewDelivery[]): Promise<Delivery[]> {
    const deliveries = await insertDeliveries(t, planned);
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
    batch.writes.push(insertDeliveriesQuery(deliveries));
    batch.jobs.push(...this.options.queue.jobs(deliveries.map((delivery) => ({ deliveryId: delivery.id, severity, runAt: delivery.heldUntil ?? null }))));
    for (const delivery of deliveries.filter((d) => d.heldUntil)) {
      batch.events.push(this.heldEvent({ ...delivery, attempts: 0 }, planned));
      batch.onStored.push(() => this.recorder.outcome(delivery.channel, 'held'));
    }
  }

  private heldEvent(delivery: EventDelivery & { heldUntil?: Date | null; holdReason?: string | null }, planned: readonly NewDelivery[]) {
    const heldUntil = delivery.heldUntil!;
    const zone = planned.find((p) => p.channel === delivery.channel && p.address === delivery.address)?.holdZone ?? 'UTC';
    const detail = `until ${describeQuietEnd(heldUntil, zone)} (quiet hours)`;
    return eventOf(delivery, { id: delivery.alertId, tenantId: delivery.tenantId }, 'notification.held', { detail, until: heldUntil.toISOString(), reason: 'quiet_hours' });
  }

  /** Cancels every page of these alerts that has not gone out (acknowledged or resolved), in the caller's transaction. */
  async cancelPending(t: Queryable, alerts: readonly Alert[]): Promise<number> {
    const detailOf = (alert: Alert) => `alert already ${alert.status}`;
    const byId = new Map(alerts.map((alert) => [alert.id, alert]));
    const cancelled = await cancelPendingDeliveries(t, alerts.map((alert) => ({ alertId: alert.id, reason: detailOf(alert) })));
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

  /** Queues held deliveries whose time has come by the clock (their job may have run a moment early, or be gone). */
  async releaseDue(): Promise<number> {
    const { db, clock } = this.options;
    const due = await dueHeldDeliveries(db, clock.now());
    if (due.length === 0) return 0;
    await this.options.queue.enqueue(db, due);
    return due.length;
  }

  async deliver(deliveryId: string): Promise<void> {
    const { db, logger, leaseMs, clock } = this.options;
    const delivery = await claimDelivery(db, deliveryId, leaseMs, clock.now());
    if (!delivery) {
      logger.debug('delivery not claimable (done, still held, or being sent by another backend)', { deliveryId });
      return;
    }
    await this.options.afterClaim?.();
    const alert = await findAlertById(db, delivery.alertId);
    if (!alert) throw new Error(`delivery ${deliveryId} refers to a missing alert`);
    // Every line about this page names its alert and tenant, whoever queued the delivery.
    await runWithContext({ alertId: alert.id, tenantId: alert.tenantId }, () => this.send(delivery, alert));
  }

  private async send(delivery: Delivery, alert: Alert): Promise<void> {
    const { clock } = this.options;
    if (alert.status !== 'triggered') {
      // Acknowledged meanwhile: a retry, a held page or an escalation must not wake anyone for it.
      await this.record(delivery, alert, { status: 'cancelled', errorCode: null, errorDetail: `alert already ${alert.status}` });
      this.recorder.outcome(delivery.channel, 'cancelled');
      return;
    }
    if (await this.holdIfOverLimit(delivery, alert)) return;
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
      const fallback = failure ? await this.failAndFallBack(t, moved, alert, failure) : null;
      return { delivery: moved, alert, reachedNobody: reachedNobody && open, fallback: failure ? { failure, channel: fallback } : null };
    });
    const { delivery, alert } = outcome;
    if (delivery) logger.info('provider status', { deliveryId, channel: delivery.channel, to: printable(delivery), status: report.status, answeredBy: report.answeredBy, errorCode: report.errorCode, moved: alert !== null });
    if (delivery && alert && outcome.fallback) await this.tellFailed(delivery, alert, outcome.fallback.failure, outcome.fallback.channel);
    return { delivery, moved: alert !== null, reachedNobody: outcome.reachedNobody };
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

  /**
   * One address receives at most `perRecipient` pages per window, whichever tenants and backends send them,
   * so a loop cannot flood one person. Beyond it the page is held (not sent, not failed) until the window
   * has room: then it is sent, or cancelled if the alert was handled meanwhile. Counted after this
   * delivery's claim, and claims count as pages: of two backends claiming pages to one address at once,
   * each sees the other's, so the limit is never exceeded (at worst both wait).
   */
  private async holdIfOverLimit(delivery: Delivery, alert: Alert): Promise<boolean> {
    const { db, logger, recipientLimit: limit, registry } = this.options;
    // The alert's own Slack channel is not a person to protect.
    if (!limit || registry.isAlertChannel(delivery.channel)) return false;
    const recent = await recentPagesTo(db, delivery.address, { windowMs: limit.windowMs, limit: limit.perRecipient, exceptId: delivery.id });
    if (recent.count < limit.perRecipient || !recent.roomAt) return false;
    const until = recent.roomAt;
    const detail = `${printable(delivery)} has received ${recent.count} pages in the last ${windowText(limit.windowMs)} (PAGE_LIMIT_PER_RECIPIENT)`;
    const toldBefore = delivery.holdReason === 'recipient_limit';
    await db.tx('hold-delivery', async (t) => {
      await holdDelivery(t, delivery.id, { until, reason: 'recipient_limit', detail });
      await appendAlertEvent(t, eventOf(delivery, alert, 'notification.held', { detail, reason: 'recipient_limit', count: recent.count, limit: limit.perRecipient, window_ms: limit.windowMs, until: until.toISOString() }));
      await this.options.queue.enqueue(t, [{ deliveryId: delivery.id, severity: alert.severity, runAt: until }]);
    });
    this.recorder.outcome(delivery.channel, 'held');
    logger.warn('page held: the recipient reached their limit', { alertId: alert.id, deliveryId: delivery.id, channel: delivery.channel, to: printable(delivery), count: recent.count, until: until.toISOString() });
    if (!toldBefore) {
      const text = `⏸ page to ${whoOf(delivery)} held (${CHANNEL_LABELS[delivery.channel]}): ${detail}; it goes out when there is room, unless the alert is acknowledged first.`;
      await this.options.notices.tell(alert, text);
    }
    return true;
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
          await new Promise((resolve) => setTimeout(resolve, pause));
          continue;
        }
        const idStored = await noteProviderMessageId(this.options.db, delivery.id, providerMessageId).then(() => true, () => false);
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
    if (failure.kind === 'transient' && delivery.attempts < maxAttempts) {
      const nextAttemptAt = new Date(clock.now().getTime() + retryDelayMs(delivery.attempts, retryBaseMs, random));
      await db.tx('retry-delivery', async (t) => {
        const retrying = eventOf(delivery, alert, 'notification.retrying', { code: failure.code, detail: failure.detail, next_attempt_at: nextAttemptAt.toISOString() });
        await finishDeliveryWithEvent(t, delivery.id, { status: 'queued', errorCode: failure.code, errorDetail: failure.detail, nextAttemptAt }, retrying, { firstPage: false });
        await this.options.queue.enqueue(t, [{ deliveryId: delivery.id, severity: alert.severity, runAt: nextAttemptAt }]);
      });
      logger.warn('notification failed, will retry', { ...fields, nextAttemptAt: nextAttemptAt.toISOString() });
      return;
    }
    const fallback = await db.tx('fail-delivery', async (t) => {
      await finishDelivery(t, delivery.id, { status: 'failed', errorCode: failure.code, errorDetail: failure.detail });
      return this.failAndFallBack(t, delivery, alert, failure);
    });
    this.recorder.outcome(delivery.channel, 'failed');
    if (fallback) this.recorder.outcome(delivery.channel, 'fallen_back');
    logger.warn('notification failed', fields);
    await this.tellFailed(delivery, alert, failure, fallback);
  }

  /**
   * The failure's event, and for a permanent one the channel's fallback (WhatsApp → SMS) planned in the
   * caller's transaction. Returns the fallback channel when one was queued.
   */
  private async failAndFallBack(t: Queryable, delivery: Delivery, alert: Alert, failure: NotifyFailure): Promise<Channel | null> {
    const fallback = failure.kind === 'permanent' ? this.options.registry.fallbackOf(delivery.channel) : null;
    await appendAlertEvent(t, eventOf(delivery, alert, 'notification.failed', { code: failure.code, detail: failure.detail, permanent: failure.kind === 'permanent' }));
    if (!fallback) return null;
    // Not opted in, outside the 24-hour window, not a WhatsApp number: a plain SMS still gets through.
    const queued = await this.plan(t, alert.severity, [{ ...delivery, channel: fallback, fallbackOf: delivery.id, heldUntil: null, holdReason: null }]);
    if (queued.length === 0) return null;
    await appendAlertEvent(t, eventOf({ ...delivery, channel: fallback }, alert, 'notification.fallback', { from: delivery.channel, reason: failure.code }));
    return fallback;
  }

  /** Says in the alert's thread that a page will not arrive, and what is tried instead. */
  private async tellFailed(delivery: Delivery, alert: Alert, failure: NotifyFailure, fallback: Channel | null): Promise<void> {
    // A failed post to the alert's own channel is not said there: there is nowhere left to say it.
    if (this.options.registry.isAlertChannel(delivery.channel)) return;
    const next = fallback ? ` Trying ${CHANNEL_LABELS[fallback]} instead.` : '';
    // The detail quotes the provider's error text, which can quote what was sent: escaped, it cannot ping or link.
    await this.options.notices.tell(alert, `⚠️ ${CHANNEL_LABELS[delivery.channel]} to ${whoOf(delivery)} failed: ${escapeSlackText(failure.detail)}.${next}`);
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
    const { firstPageSeconds } = await finishDeliveryWithEvent(this.options.db, delivery.id, outcome, event, { firstPage });
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


/** `3 min`, or `2 s` for a window under a minute (tests use such). */
const windowText = (ms: number): string => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/** An address as logs, events and Slack may show it: numbers and email addresses masked, channel ids as they are. */
export function printable(delivery: Pick<Delivery, 'address'>): string {
  if (delivery.address.includes('@')) return maskEmail(delivery.address);
  return delivery.address.startsWith('+') ? maskPhone(delivery.address) : delivery.address;
}

const whoOf = (delivery: Delivery): string => (delivery.slackUserId ? `<@${delivery.slackUserId}>` : printable(delivery));

/** The outcomes `record` writes: the kind of their event follows from the status. */
type SentOrCancelled = Extract<AttemptOutcome, { status: 'sent' }> | { status: 'cancelled'; errorCode: null; errorDetail: string };

/** What an audit event says of a delivery. */
type EventDelivery = Pick<Delivery, 'id' | 'alertId' | 'tenantId' | 'channel' | 'address' | 'slackUserId' | 'round' | 'attempts'>;

export function eventOf<K extends DeliveryEventKind>(delivery: EventDelivery, alert: Pick<Alert, 'id' | 'tenantId'>, kind: K, details: DeliveryEventDetails[K]): NewAlertEvent<K> {
  const data = { delivery_id: delivery.id, channel: delivery.channel, to: printable(delivery), slack_user_id: delivery.slackUserId, round: delivery.round, attempt: delivery.attempts, ...details };
  // DeliveryEventData & DeliveryEventDetails[K] is what AlertEventData<K> means for a page's kind; the compiler cannot follow a generic that far.
  return { alertId: alert.id, tenantId: alert.tenantId, kind, actor: 'system', data } as NewAlertEvent<K>;
}
