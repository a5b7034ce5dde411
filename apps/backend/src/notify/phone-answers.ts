import { DEFAULT_CONTACT_CHANNELS, slackActor, type ContactChannel } from '@klaxon/contracts';
import { maskPhone, type Logger } from '@klaxon/logger';
import type { Alert } from '../alerts/alert';
import type { AlertAction } from '../alerts/alert-state';
import type { AlertService } from '../alerts/alert.service';
import type { Clock } from '../time/clock';
import { findContact } from '../contacts/contact.repository';
import type { ContactService } from '../contacts/contact.service';
import type { Database } from '../db/database';
import { NotFoundError, TransitionRefusedError } from '../common/errors';
import type { AlertNotices } from '../channels/alert-notices';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { DeliveryReceipts } from './delivery-receipts';
import { findDelivery, type Delivery } from './delivery.repository';
import { alertsPagedTo, type PagedAlert } from './paged-alerts.repository';
import type { EscalationService } from './escalation.service';
import { decideReply, parsePhoneReply } from './phone-reply';
import type { InboundPort, InboundSender, Keypress } from '../channels/inbound';
import type { ProviderReceipt } from '../channels/receipt';

export interface PhoneAnswersOptions {
  db: Database;
  alerts: AlertService;
  receipts: DeliveryReceipts;
  escalations: EscalationService;
  notices: AlertNotices;
  contacts: ContactService;
  /** How each channel is named to people ("by WhatsApp reply"). */
  registry: Pick<ChannelRegistry, 'label'>;
  clock: Clock;
  logger: Logger;
}

// Twilio's own opt-out keywords (Advanced Opt-Out defaults), upper-cased.
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);
const HELP_TEXT =
  'Klaxon pages you for on-call alerts. Reply as the page says, "ack 42-K7" to acknowledge #42, "resolve 42-K7" to resolve it or "pass 42-K7" to page the next person now ("ack" alone: the one alert paged in the last hour), STOP to stop these messages.';

/**
 * What the phone tells Klaxon after a page went out, and what people answer from it: receipts (delivery truth,
 * fallback, early escalation), the call's keypress, and replies to a WhatsApp or SMS page. A reply acts
 * through the same state machine and audit trail as a Slack button, as the person paged, and only on an alert
 * that number was paged for and that the reply names without doubt (see decideReply). Provider-neutral: the
 * provider room (twilio/) turns its callbacks into these calls and renders the answers.
 */
export class PhoneAnswers implements InboundPort {
  constructor(private readonly options: PhoneAnswersOptions) {}

  async receipt(deliveryId: string, receipt: ProviderReceipt): Promise<void> {
    await this.delivery(deliveryId);
    const outcome = await this.options.receipts.providerReported(deliveryId, receipt);
    if (outcome.reachedNobody && outcome.delivery) {
      // Busy, not answered, or a voicemail box: nobody heard it, so the next round need not wait for its timer.
      await this.options.escalations.escalateNow(outcome.delivery.alertId, outcome.delivery.round);
    }
  }

  async keypress(deliveryId: string, key: Keypress): Promise<string> {
    const delivery = await this.delivery(deliveryId);
    if (key === 'acknowledge') {
      const outcome = await this.act(delivery, 'acknowledge', 'by phone (pressed 1 on the call)');
      return outcome.words;
    }
    const alert = await this.options.alerts.get({ id: delivery.alertId, tenantId: null }, { tenantId: null });
    if (key === 'pass_on') {
      if (alert.status !== 'triggered') return `Alert ${alert.number} is already ${alert.status}. Goodbye.`;
      const escalated = await this.options.escalations.escalateNow(alert.id, delivery.round);
      await this.options.notices.tell(alert, `↪️ ${whoOf(delivery)} passed #${alert.number} on by phone (pressed 2)${escalated ? ': paging whoever is next now.' : '.'}`);
      return `Passing alert ${alert.number} to the next person. Goodbye.`;
    }
    return `Klaxon did not understand that key. To acknowledge alert ${alert.number}, answer the next call and press 1, or use Slack. Goodbye.`;
  }

  async message({ address, channel }: InboundSender, text: string): Promise<string | null> {
    const body = text.trim();
    const keyword = body.toUpperCase();
    if (keyword === 'HELP' || keyword === 'INFO') return HELP_TEXT;
    if (OPT_OUT.has(keyword) || OPT_IN.has(keyword)) return this.optInOrOut(address, channel, OPT_IN.has(keyword));
    const reply = parsePhoneReply(body);
    if (!reply) return 'Klaxon did not understand. Reply as the page says, e.g. "ack 42-K7" to acknowledge alert #42, or HELP.';
    const paged = await alertsPagedTo(this.options.db, address, { number: reply.number });
    const decision = decideReply(reply, paged, this.options.clock.now());
    if ('refuse' in decision) {
      this.options.logger.warn('reply refused: it names no single alert paged to that number', { from: maskPhone(address), alertNumber: reply.number, pagedAlerts: paged.length });
      return decision.refuse;
    }
    const how = `by ${this.options.registry.label(channel)} reply`;
    if (reply.action === 'pass') return this.passOn({ ...decision.act, address }, how);
    const outcome = await this.act({ ...decision.act, address }, reply.action, how);
    return outcome.text;
  }

  /**
   * `pass 42-K7`: the next escalation step (or round) now instead of at its time, as a keypress 2 does; only the
   * step after the page replied to, and once, however many replies, keypresses and timers race for it.
   */
  private async passOn(paged: PagedAlert & { address: string }, how: string): Promise<string> {
    const alert = await this.options.alerts.get({ id: paged.alertId, tenantId: null }, { tenantId: null });
    if (alert.status !== 'triggered') return `Klaxon: #${alert.number} is already ${alert.status}. Nothing changed.`;
    const escalated = await this.options.escalations.escalateNow(alert.id, paged.round);
    await this.options.notices.tell(alert, `↪️ ${whoOf(paged)} passed #${alert.number} on ${how}${escalated ? ': paging the next step now.' : '.'}`);
    return escalated ? `Klaxon: #${alert.number} passed on: paging the next step now.` : `Klaxon: #${alert.number} was passed on already. Nothing changed.`;
  }

  /**
   * Acknowledges or resolves as the person paged (`slack:U…` when known, so the channel message names them).
   * An alert someone already moved (in Slack, from another page) meets the state machine's refusal and is
   * answered kindly, changing nothing.
   */
  private async act(delivery: Pick<Delivery, 'alertId' | 'slackUserId' | 'address'>, action: AlertAction, how: string): Promise<{ words: string; text: string }> {
    const { alerts, notices } = this.options;
    const actor = delivery.slackUserId ? slackActor(delivery.slackUserId) : `phone:${maskPhone(delivery.address)}`;
    const done = action === 'resolve' ? 'resolved' : 'acknowledged';
    let alert: Alert;
    try {
      alert = await alerts.transition({ id: delivery.alertId, tenantId: null }, action, { actor, note: how }, { tenantId: null });
    } catch (error) {
      if (!(error instanceof TransitionRefusedError)) throw error;
      const current = await alerts.get({ id: delivery.alertId, tenantId: null }, { tenantId: null });
      const state = `Alert ${current.number} is already ${current.status}.`;
      return { words: `${state} Goodbye.`, text: `Klaxon: #${current.number} is already ${current.status}. Nothing changed.` };
    }
    await notices.tell(alert, `${action === 'resolve' ? '✅' : '👀'} ${whoOf(delivery)} ${done} #${alert.number} ${how}.`);
    return { words: `Alert ${alert.number} ${done}. Thank you. Goodbye.`, text: `Klaxon: #${alert.number} ${done}.` };
  }

  /**
   * STOP / START from a number Klaxon paged: each person paged there stops (or starts again) being paged on
   * that channel, and the alert's channel hears it. Twilio itself blocks messages after STOP (error 21610)
   * and answers it, so STOP gets no reply of ours.
   */
  private async optInOrOut(address: string, channel: ContactChannel, optIn: boolean): Promise<string | null> {
    const { db, contacts, notices, alerts, logger, registry } = this.options;
    const people = new Map<string, { tenantId: string; slackUserId: string; alertId: string }>();
    for (const paged of await alertsPagedTo(db, address)) {
      if (paged.slackUserId && !people.has(`${paged.tenantId}/${paged.slackUserId}`)) people.set(`${paged.tenantId}/${paged.slackUserId}`, { ...paged, slackUserId: paged.slackUserId });
    }
    for (const person of people.values()) {
      const stored = await findContact(db, person.tenantId, person.slackUserId);
      const current = stored?.channels ?? DEFAULT_CONTACT_CHANNELS;
      const next = optIn ? (current.includes(channel) ? current : [...current, channel]) : current.filter((c) => c !== channel);
      if (next.length === current.length) continue;
      await contacts.update(person.tenantId, person.slackUserId, { channels: [...next] });
      logger.info(optIn ? 'contact opted back in' : 'contact opted out', { slackUserId: person.slackUserId, channel, from: maskPhone(address) });
      const alert = await alerts.get({ id: person.alertId, tenantId: null }, { tenantId: null });
      const label = registry.label(channel);
      await notices.tell(
        alert,
        optIn ? `🔔 <@${person.slackUserId}> opted back into ${label} (replied START).` : `🔕 <@${person.slackUserId}> opted out of ${label} (replied STOP): Klaxon will not page them there until they reply START.`,
      );
    }
    return optIn ? `Klaxon: you will get pages by ${registry.label(channel)} again.` : null;
  }

  private async delivery(deliveryId: string): Promise<Delivery> {
    const delivery = await findDelivery(this.options.db, deliveryId);
    if (!delivery) throw new NotFoundError(`no delivery ${deliveryId}`);
    return delivery;
  }
}

const whoOf = (delivery: Pick<Delivery, 'slackUserId' | 'address'>): string => (delivery.slackUserId ? `<@${delivery.slackUserId}>` : maskPhone(delivery.address));
